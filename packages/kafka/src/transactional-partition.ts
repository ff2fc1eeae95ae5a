import type { Admin, Kafka, Producer } from 'kafkajs';
import { PublishError, type Logger, type TransportMessage } from '@polybus/core';
import { backoffDelay, sleep } from '@polybus/core/transport';
import type { ResolvedKafkaOptions } from './options';
import type { PartitionTracker } from './partition-tracker';
import { isFencedTransactionError } from './transaction-errors';
import { runTransaction } from './transaction-attempt';
import {
  recoveryFor,
  TRANSACTION_ATTEMPTS,
  TRANSACTION_BACKOFF,
  type TransactionFailure,
} from './transaction-recovery';

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
  /** Aborted when the partition is abandoned: ends a backoff pause early. */
  private readonly abandoned = new AbortController();

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
    this.abandoned.abort();
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

  /**
   * Runs one batch's transaction, at most `TRANSACTION_ATTEMPTS` times: a coordinator's "not now"
   * (CONCURRENT_TRANSACTIONS, ...) is retried on the same producer after a backoff; other failures
   * replace the producer first (see `recoveryFor`). Resolves to the error if it gave up: the
   * deliveries are then failed, stay uncommitted, and the core retries them.
   */
  private async commitBatch(outputs: TransportMessage[], point: number): Promise<Error | undefined> {
    for (let attempt = 1; ; attempt += 1) {
      const { topic, partition, group, options } = this.deps;
      const failure = await runTransaction(this.producer, {
        outputs,
        offsets: {
          consumerGroupId: group,
          topics: [{ topic, partitions: [{ partition, offset: String(point) }] }],
        },
        compression: options.compression,
      });
      if (!failure) return undefined;
      if (this.dead) return this.dead;
      const recovery = recoveryFor(failure);
      if (recovery === 'fenced') return this.fenced();
      const last = attempt >= TRANSACTION_ATTEMPTS;
      const fields = {
        transactionalId: this.transactionalId,
        step: failure.step,
        attempt,
        error: errorText(failure.error),
      };
      if (recovery === 'retry') {
        if (last) return this.gaveUp(failure, attempt);
        this.deps.logger.debug('kafka transaction refused for now; retrying on the same producer', fields);
        await sleep(backoffDelay(attempt, TRANSACTION_BACKOFF), this.abandoned.signal);
        continue;
      }
      // Also after the last attempt: the next batch then starts on a producer that works.
      this.deps.logger.warn('kafka transaction failed; rebuilding the producer', fields);
      try {
        await this.rebuild();
        // Only a failed commit may have landed. The new producer's InitProducerId waited for it to
        // complete, so the group's offset now says whether it did.
        if (failure.step === 'commit' && (await this.committedOffset()) >= point) return undefined;
      } catch (rebuildError) {
        if (isFencedTransactionError(rebuildError)) return this.fenced();
        this.deps.logger.warn('kafka transactional producer rebuild failed', {
          transactionalId: this.transactionalId,
          error: errorText(rebuildError),
        });
        if (!last) await sleep(backoffDelay(attempt, TRANSACTION_BACKOFF), this.abandoned.signal);
      }
      if (last) return this.gaveUp(failure, attempt);
    }
  }

  private fenced(): Error {
    this.abandon(`producer fenced: another consumer owns partition ${this.deps.partition}`);
    return this.dead!;
  }

  private gaveUp(failure: TransactionFailure, attempts: number): Error {
    return new PublishError(
      this.deps.topic,
      `transaction failed after ${attempts} attempts (${failure.step}): ${errorText(failure.error)}`,
      { cause: failure.error },
    );
  }

  private async rebuild(): Promise<void> {
    const old = this.producer;
    this.producer = undefined;
    await old?.disconnect().catch(() => undefined);
    this.producer = await this.build();
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
