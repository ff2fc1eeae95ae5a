import { randomBytes } from 'node:crypto';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { ConfigurationError, ConnectionError, Headers } from '@polybus/core';
import {
  integerOption,
  withTimeout,
  type DeadLetterAccess,
  type DeadLetterBatch,
  type StoredDeadLetter,
} from '@polybus/core/transport';
import type { ResolvedKafkaOptions } from './options';
import { fromKafkaMessage } from './wire';

/** Partition → offset: where a read starts, or the high watermark where it stops. */
type Positions = Map<number, number>;

interface Read {
  readonly partition: number;
  readonly offset: number;
  readonly letter: StoredDeadLetter;
}

/** Cursors kept for `after` (the last ref of a batch this access returned), newest last. */
const MAX_CURSORS = 256;

/**
 * Dead letters on Kafka. A browse reads the dead-letter topic from where the previous batch ended
 * (from the low watermark at first) to the high watermark it found, with a consumer of a unique,
 * throw-away group that commits nothing and is deleted afterwards: no real group's offsets move.
 * Records are merged across partitions oldest first (by `polybus-dlq-failed-at`), each partition
 * kept in offset order. `ref` is `partition:offset`.
 *
 * Kafka deletes only a prefix of a partition (DeleteRecords), so `removesEach` is false: `remove`
 * drops, per partition, the run of this batch's letters named so far (by this and earlier calls)
 * that starts at the partition's low watermark; a letter kept before a named one keeps that one too.
 */
export class KafkaDeadLetters implements DeadLetterAccess {
  private readonly cursors = new Map<string, Positions>();

  constructor(
    private readonly admin: Admin,
    private readonly newClient: () => Kafka,
    private readonly options: ResolvedKafkaOptions,
  ) {}

  async browse(
    deadLetterTopic: string,
    options: { limit: number; after?: string },
  ): Promise<DeadLetterBatch> {
    const limit = integerOption('limit', options.limit, 1);
    const { after } = options;
    const topic = deadLetterTopic;
    if (!(await this.admin.listTopics()).includes(topic))
      throw new ConfigurationError(
        'deadLetterTopic',
        `no topic '${topic}' on this Kafka cluster (check the name)`,
      );
    const { lows, highs } = await this.watermarks(topic);
    const from = new Map(
      after === undefined
        ? lows
        : (this.cursors.get(`${topic}\n${after}`) ?? (await this.rescan(topic, after, lows, highs))),
    );
    // A partition added since, or one whose start was deleted since: read from its low watermark.
    for (const [p, low] of lows) if ((from.get(p) ?? -1) < low) from.set(p, low);
    const taken = merge(await this.read(topic, from, highs, limit), limit);
    const end = new Map(from);
    for (const r of taken) end.set(r.partition, r.offset + 1);
    if (taken.length > 0) this.remember(`${topic}\n${taken.at(-1)!.letter.ref}`, end);
    return new KafkaBatch(this.admin, topic, from, taken);
  }

  private async watermarks(topic: string): Promise<{ lows: Positions; highs: Positions }> {
    const offsets = await this.admin.fetchTopicOffsets(topic);
    return {
      lows: new Map(offsets.map((o) => [o.partition, Number(o.low)])),
      highs: new Map(offsets.map((o) => [o.partition, Number(o.high)])),
    };
  }

  private remember(key: string, positions: Positions): void {
    this.cursors.delete(key);
    this.cursors.set(key, positions);
    if (this.cursors.size > MAX_CURSORS) this.cursors.delete(this.cursors.keys().next().value!);
  }

  /** A ref this access did not hand out (another process's): the same merge, walked from the start up to it. */
  private async rescan(topic: string, ref: string, lows: Positions, highs: Positions): Promise<Positions> {
    const [partition, offset] = parseRef(ref);
    const at = new Map(lows);
    for (;;) {
      const taken = merge(await this.read(topic, at, highs, 500), 500);
      if (taken.length === 0) return at;
      for (const r of taken) {
        if (r.partition === partition && r.offset > offset) return at;
        at.set(r.partition, r.offset + 1);
        if (r.partition === partition && r.offset === offset) return at;
      }
    }
  }

  /** Up to `limit` records of each partition from `from` to `to`, read by a throw-away group. */
  private async read(topic: string, from: Positions, to: Positions, limit: number): Promise<Read[][]> {
    const pending = [...to.keys()].filter((p) => (from.get(p) ?? 0) < to.get(p)!);
    if (pending.length === 0) return [];
    const groupId = `polybus-dlq-reader-${randomBytes(6).toString('hex')}`;
    const consumer = this.newClient().consumer({
      groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
      sessionTimeout: 10_000,
      heartbeatInterval: 1_000,
    });
    const reads = new Map<number, Read[]>(pending.map((p) => [p, []]));
    const next = new Map(from);
    const complete = (p: number): boolean => reads.get(p)!.length >= limit || next.get(p)! >= to.get(p)!;
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const progress = (p: number, nextOffset: number): void => {
      if (!reads.has(p)) return;
      next.set(p, Math.max(next.get(p)!, nextOffset));
      if (complete(p)) consumer.pause([{ topic, partitions: [p] }]);
      if (pending.every(complete)) finish();
    };
    try {
      await consumer.connect();
      // A batch of only transaction markers or aborted records still says how far it got.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) =>
        progress(payload.partition, Number(payload.lastOffset) + 1),
      );
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const list = reads.get(batch.partition);
          if (list === undefined) return;
          for (const record of batch.messages) {
            const offset = Number(record.offset);
            if (offset < from.get(batch.partition)! || offset >= to.get(batch.partition)!) continue;
            if (list.length >= limit) break;
            list.push(toRead(topic, batch.partition, record));
          }
        },
      });
      for (const p of to.keys()) {
        if (reads.has(p)) consumer.seek({ topic, partition: p, offset: String(from.get(p)) });
        else consumer.pause([{ topic, partitions: [p] }]);
      }
      await withTimeout(done, Math.max(30_000, this.options.requestTimeout), () => {
        const behind = pending.filter((p) => !complete(p)).join(', ');
        return new ConnectionError(
          'Kafka',
          this.options.brokers.join(','),
          `dead-letter topic '${topic}' not read to its end in time (partitions ${behind})`,
          'check that the brokers answer and that this client may read the topic',
        );
      });
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await this.admin.deleteGroups([groupId]).catch(() => undefined);
    }
    return pending.map((p) => reads.get(p)!);
  }
}

/** This batch's letters and where its read started, for prefix removal. */
class KafkaBatch implements DeadLetterBatch {
  readonly removesEach = false;
  readonly letters: readonly StoredDeadLetter[];
  private readonly named = new Set<string>();

  constructor(
    private readonly admin: Admin,
    private readonly topic: string,
    private readonly from: Positions,
    private readonly reads: readonly Read[],
  ) {
    this.letters = reads.map((r) => r.letter);
  }

  async remove(refs: readonly string[]): Promise<void> {
    for (const ref of refs) this.named.add(ref);
    const lows = new Map(
      (await this.admin.fetchTopicOffsets(this.topic)).map((o) => [o.partition, Number(o.low)]),
    );
    const cuts: { partition: number; offset: string }[] = [];
    for (const [partition, start] of this.from) {
      const low = lows.get(partition) ?? 0;
      // Records before this batch's first one in the partition were not read here: not ours to drop.
      if (low < start) continue;
      let cut = low;
      for (const r of this.reads) {
        if (r.partition !== partition || r.offset < low) continue;
        if (!this.named.has(r.letter.ref)) break;
        cut = r.offset + 1;
      }
      if (cut > low) cuts.push({ partition, offset: String(cut) });
    }
    if (cuts.length > 0) await this.admin.deleteTopicRecords({ topic: this.topic, partitions: cuts });
  }

  async release(): Promise<void> {
    // Nothing is held: the throw-away group committed nothing and is gone.
  }
}

function toRead(topic: string, partition: number, record: KafkaMessage): Read {
  const message = fromKafkaMessage(topic, partition, record);
  const failedAt = Date.parse(message.headers[Headers.dlqFailedAt] ?? '');
  // The record's timestamp is the original message's (a dead letter is a copy): failed-at is closer.
  const storedAt = Number.isFinite(failedAt) ? failedAt : Number(record.timestamp);
  return {
    partition,
    offset: Number(record.offset),
    letter: { ref: `${partition}:${record.offset}`, message, storedAt },
  };
}

/** Oldest head first across partitions, each partition in offset order; at most `limit`. */
function merge(partitions: readonly Read[][], limit: number): Read[] {
  const heads = partitions.map(() => 0);
  const out: Read[] = [];
  while (out.length < limit) {
    let best = -1;
    for (let i = 0; i < partitions.length; i++) {
      const head = partitions[i]![heads[i]!];
      if (head === undefined) continue;
      const current = best < 0 ? undefined : partitions[best]![heads[best]!]!;
      if (current === undefined || head.letter.storedAt! < current.letter.storedAt!) best = i;
    }
    if (best < 0) break;
    out.push(partitions[best]![heads[best]!++]!);
  }
  return out;
}

function parseRef(ref: string): [number, number] {
  const match = /^(\d+):(\d+)$/.exec(ref);
  if (!match) throw new ConfigurationError('after', `expected a Kafka ref 'partition:offset', got '${ref}'`);
  return [Number(match[1]), Number(match[2])];
}
