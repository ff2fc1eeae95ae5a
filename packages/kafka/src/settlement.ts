import type { Logger, TransportMessage } from '@polybus/core';
import { fitWithin, messageBytes } from '@polybus/core/transport';
import type { KafkaDelivery, SettleKind, Settler } from './delivery';
import type { OffsetCommitter } from './offset-committer';
import type { PartitionState } from './partition-state';
import type { ProducerPool } from './publisher';

export interface PartitionSettlerDeps {
  readonly producers: ProducerPool;
  readonly committer: OffsetCommitter;
  readonly logger: Logger;
  readonly retryTopic?: string;
  /** The producer's limit (`maxMessageBytes`): a dead letter above it is cut to fit. */
  readonly maxMessageBytes: number;
}

/**
 * Makes a subscription's settlements durable. At-least-once: an ack is bookkeeping only (the
 * partition's commit is coalesced by the committer), a dead letter or a retry-topic copy is written
 * first, at-least-once. Exactly-once: the partition's transaction commits the outputs with the offset.
 */
export class PartitionSettler implements Settler<PartitionState> {
  readonly retryTopic?: string;

  constructor(private readonly deps: PartitionSettlerDeps) {
    this.retryTopic = deps.retryTopic;
  }

  /** Synchronous part: no promise for an at-least-once ack. A transactional partition needs the broker: false. */
  ackNow(delivery: KafkaDelivery<PartitionState>): boolean {
    const state = delivery.source;
    if (state.txn) return false;
    if (delivery.tracked) this.finished(state, delivery.offset);
    return true;
  }

  async settle(
    delivery: KafkaDelivery<PartitionState>,
    kind: SettleKind,
    outputs: readonly TransportMessage[],
  ): Promise<void> {
    const { source: state, offset } = delivery;
    // A dead letter must fit, or it would fail on every attempt and its partition never move on.
    if (kind === 'dead-letter')
      outputs = outputs.map((m) => fitWithin(m, this.deps.maxMessageBytes, messageBytes));
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
    if (delivery.tracked) this.finished(state, offset);
  }

  private finished(state: PartitionState, offset: number): void {
    state.tracker.finish(offset);
    this.deps.committer.touch(state);
  }
}
