import { CompressionTypes, type Admin, type Kafka, type Producer } from 'kafkajs';
import { PublishError, type Logger, type TransportMessage } from '@polybus/core';
import type { ResolvedKafkaOptions } from './options';
import type { PartitionTracker } from './partition-tracker';
import { byTopic } from './wire';

interface ReadyEntry {
  readonly outputs: readonly TransportMessage[];
  resolve(): void;
  reject(error: Error): void;
}

export interface TransactionalPartitionDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly options: ResolvedKafkaOptions;
  readonly logger: Logger;
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly tracker: PartitionTracker;
}

const MAX_TRIES = 3;

/**
 * Consume-transform-produce for one input partition. Each finished delivery hands in its outputs;
 * deliveries that form a contiguous run from the lowest unfinished offset are committed together in
 * one Kafka transaction: their outputs plus the consumed offset (`sendOffsets`). A delivery above an
 * unfinished one waits, so a committed offset never covers a delivery whose outputs are not in.
 *
 * The transactional id is stable per input partition (`${prefix}-${group}-${topic}-${partition}`):
 * the next owner of the partition initializes the same id, which fences this producer and aborts
 * its open transaction, so a killed or stalled owner cannot add outputs later.
 */
export class TransactionalPartition {
  private producer?: Producer;
  private readonly ready = new Map<number, ReadyEntry>();
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  private dead?: Error;

  constructor(private readonly deps: TransactionalPartitionDeps) {}

  get transactionalId(): string {
    const { options, group, topic, partition } = this.deps;
    return `${options.transactions.idPrefix}-${group}-${topic}-${partition}`;
  }

  /** Initializes the producer id: fences the previous owner before any delivery of ours is handled. */
  async open(): Promise<void> {
    this.producer = await this.build();
  }

  /** Commits the delivery at `offset` with `outputs`; resolves once its Kafka transaction committed. */
  settle(offset: number, outputs: readonly TransportMessage[]): Promise<void> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise<void>((resolve, reject) => {
      this.ready.set(offset, { outputs, resolve, reject });
      if (!this.running) {
        this.running = true;
        this.idle = this.loop();
      }
    });
  }

  /** The partition is no longer ours: drop waiting deliveries (they stay uncommitted) and stop. */
  abandon(reason: string): void {
    if (!this.dead) this.dead = new PublishError(this.deps.topic, reason);
    for (const entry of this.ready.values()) entry.reject(this.dead);
    this.ready.clear();
  }

  async close(): Promise<void> {
    this.abandon('the subscription closed before the transaction committed');
    await this.idle;
    await this.producer?.disconnect().catch(() => undefined);
  }

  private async build(): Promise<Producer> {
    const producer = this.deps.kafka.producer({
      transactionalId: this.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.deps.options.transactions.timeoutMs,
      allowAutoTopicCreation: true,
    });
    await producer.connect();
    // An empty transaction initializes the transactional producer id now rather than at the first
    // commit: that is the moment the broker fences the previous owner and aborts its open transaction.
    const tx = await producer.transaction();
    await tx.abort();
    return producer;
  }

  private async loop(): Promise<void> {
    try {
      for (;;) {
        const batch = this.deps.tracker.readyPrefix(this.ready, this.deps.options.transactions.maxBatchSize);
        if (batch.offsets.length === 0 || this.dead) break;
        const entries = batch.offsets.map((offset) => {
          const entry = this.ready.get(offset)!;
          this.ready.delete(offset);
          return entry;
        });
        const error = await this.commitBatch(
          entries.flatMap((e) => e.outputs),
          batch.point,
        );
        if (error) {
          for (const entry of entries) entry.reject(error);
          continue;
        }
        for (const offset of batch.offsets) this.deps.tracker.finish(offset);
        this.deps.tracker.committed = Math.max(this.deps.tracker.committed, batch.point);
        for (const entry of entries) entry.resolve();
      }
    } finally {
      this.running = false;
    }
  }

  /** Runs one transaction, rebuilding the producer after a failure; resolves to the error if it gave up. */
  private async commitBatch(outputs: TransportMessage[], point: number): Promise<Error | undefined> {
    for (let tries = 1; ; tries += 1) {
      try {
        await this.transact(outputs, point);
        return undefined;
      } catch (error) {
        const reason = errorText(error);
        if (this.dead || isFenced(error) || tries >= MAX_TRIES) {
          if (isFenced(error))
            this.abandon(`producer fenced: another consumer owns partition ${this.deps.partition}`);
          return (
            this.dead ?? new PublishError(this.deps.topic, `transaction failed: ${reason}`, { cause: error })
          );
        }
        this.deps.logger.warn('kafka transaction failed; rebuilding the producer', {
          transactionalId: this.transactionalId,
          error: reason,
        });
        try {
          await this.producer?.disconnect().catch(() => undefined);
          this.producer = await this.build();
          // The failed commit may have landed before the error: the group's offset says whether.
          if ((await this.committedOffset()) >= point) return undefined;
        } catch (rebuildError) {
          if (tries + 1 >= MAX_TRIES)
            return new PublishError(this.deps.topic, errorText(rebuildError), { cause: rebuildError });
        }
      }
    }
  }

  private async transact(outputs: TransportMessage[], point: number): Promise<void> {
    const { topic, partition, group, options } = this.deps;
    if (!this.producer) throw new Error('transactional producer not open');
    const tx = await this.producer.transaction();
    try {
      if (outputs.length > 0) {
        await tx.sendBatch({
          topicMessages: byTopic(outputs),
          acks: -1,
          compression: options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
        });
      }
      await tx.sendOffsets({
        consumerGroupId: group,
        topics: [{ topic, partitions: [{ partition, offset: String(point) }] }],
      });
      await tx.commit();
    } catch (error) {
      if (tx.isActive()) await tx.abort().catch(() => undefined);
      throw error;
    }
  }

  private async committedOffset(): Promise<number> {
    const [entry] = await this.deps.admin.fetchOffsets({
      groupId: this.deps.group,
      topics: [this.deps.topic],
    });
    const found = entry?.partitions.find((p) => p.partition === this.deps.partition);
    return found ? Number(found.offset) : -1;
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isFenced(error: unknown): boolean {
  for (
    let e = error as
      { type?: string; message?: string; originalError?: unknown; cause?: unknown } | undefined;
    e;
  ) {
    if (
      e.type === 'INVALID_PRODUCER_EPOCH' ||
      e.type === 'PRODUCER_FENCED' ||
      /fenced/i.test(e.message ?? '')
    )
      return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}
