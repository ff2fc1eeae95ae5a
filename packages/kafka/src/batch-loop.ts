import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import { KeySerializer, sleep, type SubscribeOptions, type Slots } from '@polybus/core/transport';
import type { HandOver } from './hand-over';
import type { PartitionState } from './partition-state';
import { fromKafkaMessage, RETRY_AT_HEADER } from './wire';

export interface BatchLoopDeps {
  readonly options: SubscribeOptions;
  readonly consumer: Consumer;
  readonly slots: Slots;
  readonly handOver: HandOver<PartitionState>;
  readonly heartbeatInterval: number;
  /** The topic its messages report: the binding's, also for records read from its retry topic. */
  readonly reportTopic: string;
  /** This subscription reads a retry topic: each record waits for its due time. */
  readonly readsRetries: boolean;
  closing(): boolean;
  /** The partition's state, made on its first batch. */
  state(partition: number): PartitionState;
  /** The partition's state could not be opened: the next batch makes a new one. */
  forget(state: PartitionState): void;
}

interface Keyed {
  readonly key: string;
  readonly state: PartitionState;
  readonly message: ReturnType<typeof fromKafkaMessage>;
  readonly offset: number;
  readonly tracked: boolean;
}

/**
 * kafkajs's `eachBatch`: takes records (bounded by the subscription's slots) and hands them over,
 * then returns; handlers run beside it, so the fetch loop keeps heartbeating through long handlers.
 * While it waits for a free slot it heartbeats itself, which is also how it learns of a rebalance.
 * With `ordering: 'per-key'`, records of one key on one partition are handed over one at a time.
 */
export class BatchLoop {
  private readonly perKey = new KeySerializer<Keyed>((item) => {
    void this.deps.handOver
      .deliver(item.state, item.message, item.offset, item.tracked)
      .then(() => this.perKey.done(item.key));
  });

  constructor(private readonly deps: BatchLoopDeps) {}

  async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset } = payload;
    const { closing, options } = this.deps;
    if (closing() || batch.topic !== options.topic) return;
    const state = this.deps.state(batch.partition);
    try {
      await state.opened;
    } catch (error) {
      this.deps.forget(state);
      throw error;
    }
    const { tracker } = state;
    if (options.guarantee === 'at-most-once') return this.atMostOnce(payload, state);

    // kafkajs resumes the next fetch after the last resolved offset. Resolving once, where the loop
    // stops (early or at the end), instead of per record saves a Long parse per record.
    let handled: string | undefined;
    try {
      for (const record of batch.messages) {
        const offset = Number(record.offset);
        if (tracker.isNew(offset)) {
          if (this.deps.readsRetries && !(await this.untilDue(record, state, payload))) return;
          // Fast path without an await: most records find a free slot.
          if (!(this.deps.slots.take() ? this.keepSlot(state) : await this.takeSlot(state, payload))) return;
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

  /** Commits before handing over: a crash afterwards loses these records, never repeats them. */
  private async atMostOnce(payload: EachBatchPayload, state: PartitionState): Promise<void> {
    const { batch, resolveOffset } = payload;
    const { tracker } = state;
    const fresh = batch.messages.filter((m) => tracker.isNew(Number(m.offset)));
    const point = Number(batch.lastOffset()) + 1;
    if (point > tracker.committed) {
      await this.deps.consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: String(point) },
      ]);
      tracker.committed = point;
    }
    tracker.passed(point - 1);
    resolveOffset(batch.lastOffset());
    for (const record of fresh) {
      if (!(this.deps.slots.take() ? this.keepSlot(state) : await this.takeSlot(state, payload))) return;
      this.dispatch(state, record, Number(record.offset), false);
    }
  }

  /** Waits for a slot, heartbeating; false when the partition, the subscription or the batch went away. */
  private async takeSlot(state: PartitionState, { heartbeat, isRunning, isStale }: EachBatchPayload) {
    const { slots, closing, heartbeatInterval } = this.deps;
    while (!slots.take()) {
      if (closing() || state.revoked || !isRunning() || isStale()) return false;
      await slots.whenFree(AbortSignal.timeout(heartbeatInterval));
      await heartbeat(); // throws when the group rebalances: kafkajs then rejoins
    }
    return this.keepSlot(state);
  }

  /** A slot was taken; give it back if the partition or subscription went away meanwhile. */
  private keepSlot(state: PartitionState): boolean {
    if (!this.deps.closing() && !state.revoked) return true;
    this.deps.slots.give();
    return false;
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
    const { closing, heartbeatInterval } = this.deps;
    for (let left = due - Date.now(); left > 0; left = due - Date.now()) {
      if (closing() || state.revoked || !isRunning() || isStale()) return false;
      await sleep(Math.min(left, heartbeatInterval), state.left.signal);
      await heartbeat(); // throws when the group rebalances: kafkajs then rejoins
    }
    return !closing() && !state.revoked;
  }

  private dispatch(state: PartitionState, record: KafkaMessage, offset: number, tracked: boolean): void {
    const message = fromKafkaMessage(this.deps.reportTopic, state.partition, record);
    if (this.deps.options.ordering === 'per-key' && message.key !== undefined) {
      const key = `${state.partition}\u0000${message.key}`;
      this.perKey.push(key, { key, state, message, offset, tracked });
    } else {
      void this.deps.handOver.deliver(state, message, offset, tracked);
    }
  }
}
