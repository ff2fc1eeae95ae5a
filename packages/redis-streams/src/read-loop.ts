import type { Logger } from '@polybus/core';
import { backoffDelay, sleep, type BackoffPolicy, type Slots } from '@polybus/core/transport';
import type { Redis } from 'ioredis';
import type { ResolvedOptions } from './options';
import { readGroupEntries, text, type RawEntry } from './replies';

/** After a failed read: 200 ms doubling to 5 s, jittered, until a read succeeds. */
const READ_BACKOFF: BackoffPolicy = { initialDelayMs: 200, maxDelayMs: 5_000, multiplier: 2, jitter: true };

export interface ReadLoopDeps {
  /** Its own connection, without a command timeout: `XREADGROUP ... BLOCK` waits on it. */
  readonly blocker: Redis;
  readonly topic: string;
  readonly group: string;
  readonly config: ResolvedOptions;
  readonly noAck: boolean;
  readonly logger: Logger;
  /** Aborted at close (which also disconnects `blocker` to end a BLOCK at once). */
  readonly signal: AbortSignal;
  readonly slots: Slots;
  /** Resolves once a slot is free, or at close. */
  slotFree(): Promise<void>;
  /**
   * Takes a slot for an entry already read, waiting (the entry held, so heartbeated) while every
   * slot is taken; false when the subscription closed first.
   */
  slotFor(entryId: string): Promise<boolean>;
  ensureGroup(): Promise<void>;
  /** Hands one entry over; the loop has taken its slot. */
  dispatch(entryId: string, fields: RawEntry['fields'], attempt: number): void;
}

/**
 * The read side of a subscription: `XREADGROUP ... COUNT <free slots> BLOCK` for new entries
 * (`>`), each handed over with a slot taken; a failed read is logged and retried after 200 ms
 * doubling to 5 s, jittered, and a missing group is created again.
 *
 * The read reserves nothing while it blocks (a due redelivery or a claim must not wait out the
 * BLOCK), so a slot it counted may be gone when the reply comes: such an entry waits for the next
 * free slot. `concurrency` is never exceeded.
 */
export class ReadLoop {
  constructor(private readonly deps: ReadLoopDeps) {}

  private async dispatchAll(reply: unknown): Promise<void> {
    const entries = readGroupEntries(reply);
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i]!;
      // Cleared as we go: the entry's field buffers die once its message is decoded, instead of
      // living (and being copied by the young-generation collector) until the whole batch is out.
      entries[i] = undefined;
      const entryId = text(entry[0]);
      // Closed while it waited: it stays pending under this consumer for a claim (NOACK: not read).
      if (!this.deps.slots.take() && !(await this.deps.slotFor(entryId))) return;
      this.deps.dispatch(entryId, entry[1] ?? null, 1);
    }
  }

  /** Reads until the signal aborts; resolves then. */
  async run(): Promise<void> {
    const { topic, group, config, logger } = this.deps;
    for (let failures = 0; !this.deps.signal.aborted;) {
      await this.deps.slotFree();
      // One turn of the event loop lets every delivery that is finishing free its slot, so the next
      // read asks for a full batch instead of the one slot that woke us.
      await new Promise((resolve) => setImmediate(resolve));
      if (this.deps.signal.aborted) return;
      const count = Math.min(this.deps.slots.free, config.batchSize);
      // A redelivery took the slot that woke us: COUNT 0 or less would mean "no limit".
      if (count <= 0) continue;
      const noAck = this.deps.noAck ? ['NOACK'] : [];
      let reply: unknown;
      try {
        reply = await this.deps.blocker.xreadgroupBuffer(
          'GROUP',
          group,
          config.consumerName,
          'COUNT',
          count,
          'BLOCK',
          config.blockMs,
          ...(noAck as ['NOACK']),
          'STREAMS',
          topic,
          '>',
        );
      } catch (error) {
        if (this.deps.signal.aborted) return;
        const message = String((error as Error).message);
        logger.warn('redis-streams: read failed', { topic, group, error: message });
        if (message.startsWith('NOGROUP')) await this.deps.ensureGroup().catch(() => undefined);
        await sleep(backoffDelay(++failures, READ_BACKOFF), this.deps.signal);
        continue;
      }
      failures = 0;
      await this.dispatchAll(reply);
      // Not kept while the next read waits: the reply's buffers would outlive their deliveries and
      // be copied by every young-generation collection meanwhile.
      reply = undefined;
    }
  }
}
