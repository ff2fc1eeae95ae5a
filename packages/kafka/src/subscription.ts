import type { Admin, Consumer, Kafka } from 'kafkajs';
import type { Logger } from '@polybus/core';
import {
  Slots,
  type DeliveryHandler,
  type SubscribeOptions,
  type Subscription,
} from '@polybus/core/transport';
import { subscriptionAwareAssigner } from './assigner';
import { BatchLoop } from './batch-loop';
import { CrashSupervisor } from './crash-supervisor';
import { HandOver } from './hand-over';
import { OffsetCommitter } from './offset-committer';
import type { ResolvedKafkaOptions } from './options';
import { leavePartition, newPartitionState, type PartitionState } from './partition-state';
import { PartitionTracker } from './partition-tracker';
import type { ProducerPool } from './publisher';
import { PartitionSettler } from './settlement';
import { TransactionalPartition } from './transactional-partition';

export interface SubscriptionDeps {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly producers: ProducerPool;
  readonly options: ResolvedKafkaOptions;
  readonly logger: Logger;
}

/**
 * Non-blocking retries of a binding: delayed nacks go to `retryTopic`. The binding's second
 * subscription reads that topic (`origin` set): it reports its records as of `origin` and hands
 * each over only when its due time has come.
 */
export interface RetryRoute {
  readonly retryTopic: string;
  readonly origin?: string;
  /** Shared by both subscriptions: `concurrency` bounds the binding, not each of its topics. */
  readonly slots: Slots;
}

/**
 * One binding = one kafkajs consumer in the binding's group, with manual offsets. This file is its
 * lifecycle (start, close, partition assignment); the fetch loop is `BatchLoop`, settlements are
 * `PartitionSettler`, crash restarts are `CrashSupervisor`. A partition is committed up to its
 * lowest unfinished offset; a revoked partition's late settlements are never committed.
 */
export class KafkaSubscription implements Subscription {
  private readonly consumer: Consumer;
  private readonly states = new Map<number, PartitionState>();
  private readonly slots: Slots;
  private readonly committer: OffsetCommitter;
  private readonly supervisor: CrashSupervisor;
  private closing = false;
  private shutdownPromise?: Promise<void>;

  constructor(
    private readonly deps: SubscriptionDeps,
    readonly options: SubscribeOptions,
    handler: DeliveryHandler,
    route?: RetryRoute,
  ) {
    const c = deps.options.consumer;
    const closing = (): boolean => this.closing;
    this.slots = route?.slots ?? new Slots(Math.max(1, options.concurrency));
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
    this.committer = new OffsetCommitter(
      options.topic,
      (offsets) => this.consumer.commitOffsets(offsets),
      c.commitIntervalMs,
      deps.logger,
    );
    const settler = new PartitionSettler({
      producers: deps.producers,
      committer: this.committer,
      logger: deps.logger,
      retryTopic: route?.retryTopic,
      maxMessageBytes: deps.options.maxMessageBytes,
    });
    const handOver = new HandOver<PartitionState>({
      handler,
      slots: this.slots,
      logger: deps.logger,
      settler,
      closing,
    });
    const loop = new BatchLoop({
      options,
      consumer: this.consumer,
      slots: this.slots,
      handOver,
      heartbeatInterval: c.heartbeatInterval,
      reportTopic: route?.origin ?? options.topic,
      readsRetries: route?.origin !== undefined,
      closing,
      state: (partition) => this.state(partition),
      forget: (state) => {
        if (this.states.get(state.partition) === state) this.states.delete(state.partition);
      },
    });
    this.supervisor = new CrashSupervisor({
      consumer: this.consumer,
      runConfig: {
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: c.partitionsConsumedConcurrently,
        eachBatch: (payload) => loop.onBatch(payload),
      },
      logger: deps.logger,
      group: options.group,
      topic: options.topic,
      closing,
      lostPartitions: () => this.onAssignment([]),
    });
  }

  async start(): Promise<void> {
    const { GROUP_JOIN, REBALANCING, CRASH } = this.consumer.events;
    let joined!: () => void;
    const firstJoin = new Promise<void>((resolve) => (joined = resolve));
    this.consumer.on(GROUP_JOIN, (event) => {
      this.supervisor.joined();
      this.onAssignment(event.payload.memberAssignment[this.options.topic] ?? []);
      joined();
    });
    // Commit what is finished while this generation still owns its partitions.
    this.consumer.on(REBALANCING, () => void this.committer.flush());
    this.consumer.on(CRASH, (event) => this.supervisor.crashed(event.payload.error, event.payload.restart));
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [this.options.topic],
      fromBeginning: this.deps.options.consumer.fromBeginning,
    });
    await this.consumer.run(this.supervisor.runConfig);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      firstJoin,
      new Promise<void>(
        (resolve) => (timer = setTimeout(resolve, this.deps.options.consumer.sessionTimeout)),
      ),
    ]);
    clearTimeout(timer);
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
    // Waits for a delayed redelivery end now: those records stay uncommitted for the next owner.
    for (const state of this.states.values()) state.left.abort();
    void this.slots.idle().then(() => this.shutdown());
  }

  /** Set while kafkajs crashes this consumer again and again (see CrashSupervisor). */
  get crashLoop(): { crashes: number; error: string } | undefined {
    return this.supervisor.looping;
  }

  /** Final commit of finished work, then leave the group. Unfinished deliveries stay uncommitted. */
  shutdown(): Promise<void> {
    this.closing = true;
    this.supervisor.stop();
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
      this.states.delete(partition);
      leavePartition(state, `partition ${partition} was revoked`);
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
      state = newPartitionState(partition, tracker, txn);
      this.states.set(partition, state);
    }
    return state;
  }
}
