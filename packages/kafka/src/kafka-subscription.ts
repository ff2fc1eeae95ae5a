import type { Admin, Consumer, ConsumerRunConfig, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger, TransportMessage } from '@polybus/core';
import {
  backoffDelay,
  Slots,
  type BackoffPolicy,
  type DeliveryHandler,
  type SubscribeOptions,
  type Subscription,
} from '@polybus/core/transport';
import { subscriptionAwareAssigner } from './assigner';
import type { KafkaDelivery, SettleKind, Settler } from './kafka-delivery';
import { HandOver } from './hand-over';
import { KeyLanes } from './key-lanes';
import { OffsetCommitter, type CommitTarget } from './offset-committer';
import type { ResolvedKafkaOptions } from './options';
import { PartitionTracker } from './partition-tracker';
import type { ProducerPool } from './producer-pool';
import { TransactionalPartition } from './transactional-partition';
import { fromKafkaMessage, RETRY_AT_HEADER } from './wire';

export interface SubscriptionDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producers: ProducerPool;
  readonly options: ResolvedKafkaOptions;
  readonly logger: Logger;
}

/** Restarts of a consumer that kafkajs stopped for good: 1 s doubling to 30 s. */
const CRASH_RESTART_BACKOFF: BackoffPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: false,
};

/**
 * Non-blocking retries of a binding: delayed nacks go to `retryTopic`. The binding's second
 * subscription reads that topic (`origin` set): it reports its records as of `origin` and hands
 * each over only when its due time has come.
 */
export interface RetryRoute {
  readonly retryTopic: string;
  readonly origin?: string;
}

interface PartitionState extends CommitTarget {
  readonly txn?: TransactionalPartition;
  readonly opened: Promise<void>;
}

/**
 * One binding = one kafkajs consumer in the binding's group, with manual offsets.
 *
 * `eachBatch` only takes records (bounded by `concurrency`) and returns; handlers run beside it, so
 * the fetch loop keeps heartbeating through long handlers. While it waits for a free slot it
 * heartbeats itself, which is also how it learns of a rebalance. A partition is committed up to its
 * lowest unfinished offset; a revoked partition's late settlements are never committed.
 */
export class KafkaSubscription implements Subscription, Settler<PartitionState> {
  private readonly consumer: Consumer;
  private readonly states = new Map<number, PartitionState>();
  private readonly slots: Slots;
  private readonly lanes = new KeyLanes();
  private readonly committer: OffsetCommitter;
  private readonly handOver: HandOver<PartitionState>;
  private closing = false;
  private shutdownPromise?: Promise<void>;
  private crashes = 0;
  private restartTimer?: NodeJS.Timeout;
  private readonly runConfig: ConsumerRunConfig;

  readonly retryTopic?: string;
  /** The topic its messages report: the binding's, also for records read from its retry topic. */
  private readonly reportTopic: string;

  constructor(
    private readonly deps: SubscriptionDeps,
    readonly options: SubscribeOptions,
    handler: DeliveryHandler,
    private readonly route?: RetryRoute,
  ) {
    this.retryTopic = route?.retryTopic;
    this.reportTopic = route?.origin ?? options.topic;
    const c = deps.options.consumer;
    this.slots = new Slots(Math.max(1, options.concurrency));
    this.consumer = deps.kafka.consumer({
      groupId: options.group,
      sessionTimeout: c.sessionTimeout,
      rebalanceTimeout: c.rebalanceTimeout,
      heartbeatInterval: c.heartbeatInterval,
      maxWaitTimeInMs: c.maxWaitTimeInMs,
      maxBytesPerPartition: c.maxBytesPerPartition,
      readUncommitted: false,
      allowAutoTopicCreation: true,
      partitionAssigners: [subscriptionAwareAssigner],
    });
    this.handOver = new HandOver<PartitionState>({
      handler,
      slots: this.slots,
      logger: deps.logger,
      settler: this,
      closing: () => this.closing,
    });
    this.committer = new OffsetCommitter(
      options.topic,
      (offsets) => this.consumer.commitOffsets(offsets),
      c.commitIntervalMs,
      deps.logger,
    );
    this.runConfig = {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: c.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.onBatch(payload),
    };
  }

  async start(): Promise<void> {
    const { GROUP_JOIN, REBALANCING, CRASH } = this.consumer.events;
    let joined!: () => void;
    const firstJoin = new Promise<void>((resolve) => (joined = resolve));
    this.consumer.on(GROUP_JOIN, (event) => {
      this.crashes = 0;
      this.onAssignment(event.payload.memberAssignment[this.options.topic] ?? []);
      joined();
    });
    // Commit what is finished while this generation still owns its partitions.
    this.consumer.on(REBALANCING, () => void this.committer.flush());
    this.consumer.on(CRASH, (event) => this.onCrash(event.payload.error, event.payload.restart));
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [this.options.topic],
      fromBeginning: this.deps.options.consumer.fromBeginning,
    });
    await this.consumer.run(this.runConfig);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      firstJoin,
      new Promise<void>(
        (resolve) => (timer = setTimeout(resolve, this.deps.options.consumer.sessionTimeout)),
      ),
    ]);
    clearTimeout(timer);
  }

  /**
   * kafkajs has already left the group when it reports a crash, so every partition is given up: their
   * in-flight deliveries are never committed and come back to whoever owns the partition next. After
   * a retriable error kafkajs starts the consumer again itself; after any other (a TypeError inside
   * kafkajs, say) it stops for good, and so would the binding, in silence. This starts it again,
   * with a backoff from 1 s doubling to 30 s, until it joins.
   */
  private onCrash(error: Error, restartsItself: boolean): void {
    const cause = (error as { cause?: Error } | undefined)?.cause;
    this.onAssignment([]);
    if (this.closing) return;
    const delayMs = restartsItself ? undefined : backoffDelay(++this.crashes, CRASH_RESTART_BACKOFF);
    this.deps.logger.warn('kafka consumer crashed', {
      group: this.options.group,
      topic: this.options.topic,
      error: error?.message,
      cause: cause?.stack ?? cause?.message,
      restart: restartsItself ? 'by kafkajs' : `in ${delayMs} ms`,
    });
    if (delayMs === undefined) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.closing) return;
      void (async () => {
        await this.consumer.connect();
        await this.consumer.run(this.runConfig);
      })().catch((failure: Error) => this.onCrash(failure, false));
    }, delayMs);
  }

  /** Stops handing over deliveries; the group membership is given up once in-flight ones settle. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    try {
      this.consumer.pause([{ topic: this.options.topic }]);
    } catch {
      // not running (never joined): nothing to pause
    }
    void this.slots.idle().then(() => this.shutdown());
  }

  /** Final commit of finished work, then leave the group. Unfinished deliveries stay uncommitted. */
  shutdown(): Promise<void> {
    this.closing = true;
    clearTimeout(this.restartTimer);
    this.shutdownPromise ??= (async () => {
      await this.committer.flush();
      this.committer.stop();
      await Promise.all([...this.states.values()].map((s) => s.txn?.close()));
      await this.consumer
        .disconnect()
        .catch((error: Error) =>
          this.deps.logger.debug('kafka consumer disconnect failed', { error: error.message }),
        );
    })();
    return this.shutdownPromise;
  }

  private onAssignment(partitions: number[]): void {
    const assigned = new Set(partitions);
    for (const [partition, state] of this.states) {
      if (assigned.has(partition)) continue;
      state.revoked = true;
      this.states.delete(partition);
      if (state.txn) {
        state.txn.abandon(`partition ${partition} was revoked`);
        void state.txn.close();
      }
    }
  }

  private state(partition: number): PartitionState {
    let state = this.states.get(partition);
    if (!state) {
      const tracker = new PartitionTracker();
      const txn =
        this.options.guarantee === 'exactly-once'
          ? new TransactionalPartition({
              ...this.deps,
              group: this.options.group,
              topic: this.options.topic,
              partition,
              tracker,
            })
          : undefined;
      state = { partition, tracker, revoked: false, txn, opened: txn ? txn.open() : Promise.resolve() };
      this.states.set(partition, state);
    }
    return state;
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    if (this.closing || batch.topic !== this.options.topic) return;
    const state = this.state(batch.partition);
    try {
      await state.opened;
    } catch (error) {
      if (this.states.get(batch.partition) === state) this.states.delete(batch.partition);
      throw error;
    }
    const { tracker } = state;
    const takeSlot = async (): Promise<boolean> => {
      while (!this.slots.take()) {
        if (this.closing || state.revoked || !isRunning() || isStale()) return false;
        await within(this.slots.whenFree(), this.deps.options.consumer.heartbeatInterval);
        await heartbeat(); // throws when the group rebalances: kafkajs then rejoins
      }
      if (this.closing || state.revoked) {
        this.slots.give();
        return false;
      }
      return true;
    };

    if (this.options.guarantee === 'at-most-once') {
      // Commit before handing over: a crash afterwards loses these records, never repeats them.
      const fresh = batch.messages.filter((m) => tracker.isNew(Number(m.offset)));
      const point = Number(batch.lastOffset()) + 1;
      if (point > tracker.committed) {
        await this.consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: String(point) },
        ]);
        tracker.committed = point;
      }
      tracker.passed(point - 1);
      resolveOffset(batch.lastOffset());
      for (const record of fresh) {
        if (!(this.slots.take() ? this.keepSlot(state) : await takeSlot())) return;
        this.dispatch(state, record, Number(record.offset), false);
      }
      return;
    }

    // kafkajs resumes the next fetch after the last resolved offset. Resolving once, where the loop
    // stops (early or at the end), instead of per record saves a Long parse per record.
    let handled: string | undefined;
    try {
      for (const record of batch.messages) {
        const offset = Number(record.offset);
        if (tracker.isNew(offset)) {
          if (this.route?.origin !== undefined && !(await this.untilDue(record, state, payload))) return;
          // Fast path without an await: most records find a free slot.
          if (!(this.slots.take() ? this.keepSlot(state) : await takeSlot())) return;
          tracker.take(offset);
          this.dispatch(state, record, offset, true);
        }
        handled = record.offset;
      }
    } finally {
      if (handled !== undefined) resolveOffset(handled);
    }
    tracker.passed(Number(batch.lastOffset()));
    resolveOffset(batch.lastOffset());
  }

  /**
   * A retry topic's record waits for its due time, heartbeating, before it is handed over; the
   * records behind it on its partition wait too (they were written later, mostly due later).
   * False when the partition or subscription went away meanwhile.
   */
  private async untilDue(
    record: KafkaMessage,
    state: PartitionState,
    { heartbeat, isRunning, isStale }: EachBatchPayload,
  ): Promise<boolean> {
    const due = Number(record.headers?.[RETRY_AT_HEADER]?.toString());
    if (!Number.isFinite(due)) return true;
    const beat = this.deps.options.consumer.heartbeatInterval;
    for (let left = due - Date.now(); left > 0; left = due - Date.now()) {
      if (this.closing || state.revoked || !isRunning() || isStale()) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, beat)));
      await heartbeat(); // throws when the group rebalances: kafkajs then rejoins
    }
    return !this.closing && !state.revoked;
  }

  /** A slot was taken; give it back if the partition or subscription went away meanwhile. */
  private keepSlot(state: PartitionState): boolean {
    if (!this.closing && !state.revoked) return true;
    this.slots.give();
    return false;
  }

  private dispatch(state: PartitionState, record: KafkaMessage, offset: number, tracked: boolean): void {
    const message = fromKafkaMessage(this.reportTopic, state.partition, record);
    if (this.options.ordering === 'per-key' && message.key !== undefined) {
      this.lanes.run(`${state.partition}\u0000${message.key}`, () =>
        this.handOver.deliver(state, message, offset, tracked),
      );
    } else {
      void this.handOver.deliver(state, message, offset, tracked);
    }
  }

  /**
   * Settler, synchronous part: an at-least-once ack is bookkeeping only (the commit is coalesced),
   * so it needs no promise. A transactional partition needs the broker: false.
   */
  ackNow(delivery: KafkaDelivery<PartitionState>): boolean {
    const state = delivery.source;
    if (state.txn) return false;
    if (delivery.tracked) {
      state.tracker.finish(delivery.offset);
      this.committer.touch(state);
    }
    return true;
  }

  /** Settler: makes a delivery's settlement durable. */
  async settle(
    delivery: KafkaDelivery<PartitionState>,
    kind: SettleKind,
    outputs: readonly TransportMessage[],
  ): Promise<void> {
    const { source: state, offset } = delivery;
    if (state.txn) return state.txn.settle(offset, outputs);
    if (kind === 'dead-letter') await this.deps.producers.send(outputs, 'at-least-once');
    if (kind === 'retry') {
      await this.deps.producers.send(outputs, 'at-least-once').catch((error: Error) => {
        this.deps.logger.warn('kafka: writing a retry to the retry topic failed; retrying in place', {
          topic: this.retryTopic,
          error: error.message,
        });
        throw error;
      });
    }
    if (!delivery.tracked) return;
    state.tracker.finish(offset);
    this.committer.touch(state);
  }
}

function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]).finally(
    () => clearTimeout(timer),
  );
}
