import type { Redis } from 'ioredis';
import { claimOwn } from './claim-own';
import type { HeldEntries } from './held';
import type { ResolvedOptions } from './options';
import { parseAutoClaimReply, parseConsumersReply, parsePendingCounts, type RawEntry } from './replies';

/** What recovery needs from the subscription it serves. */
export interface RecoveryHost {
  readonly held: Pick<HeldEntries, 'ids' | 'size'>;
  readonly freeSlots: number;
  readonly isClosed: boolean;
  takeSlot(): void;
  releaseSlot(): void;
  dispatch(entryId: string, fields: RawEntry['fields'], attempt: number): void;
}

/**
 * Deletes a consumer only if it owns no pending entry at that instant. Checking and deleting in one
 * script matters: DELCONSUMER drops the consumer's pending entries, and a consumer that read between
 * a separate check and the delete would lose what it just read.
 */
const DELETE_IF_IDLE = `
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #pending == 0 then return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2]) end
return -1`;

/**
 * The three background duties of a consumer in a group:
 * - heartbeat: `XCLAIM ... JUSTID` on the entries this consumer holds (and still owns) resets their
 *   idle time, so a slow handler or a long nack delay is not mistaken for a crash (the delivery
 *   count is untouched);
 * - claim: `XAUTOCLAIM` takes entries idle longer than claimIdleMs from dead members; their delivery
 *   count (XPENDING) is the attempt, so a message that kills its consumer still reaches the dead letter;
 * - sweep: consumers idle for staleConsumerMs that own nothing are removed from the group.
 */
export class Recovery {
  private timers: NodeJS.Timeout[] = [];
  private cursor = '0-0';
  private lastSweep = 0;
  private stopped = false;

  constructor(
    private readonly host: RecoveryHost,
    private readonly redis: Redis,
    private readonly config: ResolvedOptions,
    private readonly stream: string,
    private readonly group: string,
    private readonly noAck: boolean,
  ) {}

  start(): void {
    // NOACK readers never own pending entries, so at-most-once bindings have nothing to recover.
    if (this.noAck) return;
    this.every(Math.max(5, Math.floor(this.config.claimIdleMs / 3)), () => this.heartbeat());
    this.every(this.config.claimIntervalMs, () => this.claim());
  }

  stop(): void {
    this.stopped = true;
    this.timers.forEach(clearTimeout);
  }

  private every(ms: number, task: () => Promise<void>): void {
    const run = async (): Promise<void> => {
      try {
        await task();
      } catch (error) {
        if (!this.stopped)
          this.config.logger.warn('redis-streams: recovery task failed', {
            stream: this.stream,
            error: String(error),
          });
      }
      if (!this.stopped) this.timers.push(setTimeout(run, ms).unref());
    };
    this.timers.push(setTimeout(run, ms).unref());
  }

  private async heartbeat(): Promise<void> {
    const ids = this.host.held.ids();
    for (let i = 0; i < ids.length && !this.stopped; i += 500) {
      await claimOwn(this.redis, this.stream, this.group, this.config.consumerName, ids.slice(i, i + 500));
    }
  }

  private async claim(): Promise<void> {
    const wanted = Math.min(this.host.freeSlots, this.config.batchSize);
    if (wanted <= 0 || this.host.isClosed) return;
    // Reserve the slots first: the read loop may fill them while the claim is on the wire.
    for (let i = 0; i < wanted; i++) this.host.takeSlot();
    let used = 0;
    try {
      const reply = parseAutoClaimReply(
        await this.redis.callBuffer(
          'XAUTOCLAIM',
          this.stream,
          this.group,
          this.config.consumerName,
          this.config.claimIdleMs,
          this.cursor,
          'COUNT',
          wanted,
        ),
      );
      this.cursor = reply.cursor;
      // An entry we hold was only late on its heartbeat: it is being handled here already.
      const mine = reply.entries.length > 0 ? new Set(this.host.held.ids()) : undefined;
      const entries = reply.entries.filter((e) => !mine?.has(e.entryId));
      const counts = await this.deliveryCounts(entries);
      for (const entry of entries) {
        if (this.host.isClosed) break;
        used++;
        this.host.dispatch(entry.entryId, entry.fields, Math.max(1, counts.get(entry.entryId) ?? 1));
      }
    } finally {
      for (let i = used; i < wanted; i++) this.host.releaseSlot();
    }
    await this.sweep();
  }

  private async deliveryCounts(entries: RawEntry[]): Promise<Map<string, number>> {
    if (entries.length === 0) return new Map();
    const first = entries[0]!.entryId;
    const last = entries[entries.length - 1]!.entryId;
    return parsePendingCounts(
      await this.redis.xpending(
        this.stream,
        this.group,
        first,
        last,
        entries.length + this.host.held.size,
        this.config.consumerName,
      ),
    );
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    if (now - this.lastSweep < Math.min(this.config.staleConsumerMs, 60_000)) return;
    this.lastSweep = now;
    const consumers = parseConsumersReply(await this.redis.xinfo('CONSUMERS', this.stream, this.group));
    for (const c of consumers) {
      if (c.name === this.config.consumerName || c.pending > 0 || c.idle < this.config.staleConsumerMs)
        continue;
      const removed = await this.redis.eval(DELETE_IF_IDLE, 1, this.stream, this.group, c.name);
      if (removed !== -1)
        this.config.logger.info('redis-streams: removed stale consumer', {
          stream: this.stream,
          group: this.group,
          consumer: c.name,
        });
    }
  }
}
