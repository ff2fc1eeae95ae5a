import { Headers, type MessageHeaders, type TransportMessage } from '@polybus/core';
import {
  copyWithHeaders,
  type Coordinates,
  type Delivery,
  type DeliveryTransaction,
} from '@polybus/core/transport';
import { RETRY_AT_HEADER } from './wire';

const ignore = (): void => undefined;
const RESOLVED = Promise.resolve();
const NO_OUTPUTS: readonly TransportMessage[] = [];

export type SettleKind = 'ack' | 'dead-letter' | 'commit' | 'retry';

/**
 * Makes a settlement durable: commit bookkeeping, dead-letter copy, or the Kafka transaction. One
 * per subscription; the delivery passes itself, so no closure is made per record.
 */
export interface Settler<S> {
  /** Where a delayed nack sends its copy (non-blocking retries), if anywhere; else it is redelivered in place. */
  readonly retryTopic?: string;
  /** Settles an ack at once when that needs no I/O; false when it must go through `settle`. */
  ackNow(delivery: KafkaDelivery<S>): boolean;
  settle(delivery: KafkaDelivery<S>, kind: SettleKind, outputs: readonly TransportMessage[]): Promise<void>;
}

/**
 * One hand-over of one Kafka record. Kafka has no per-message redelivery, so `nack` marks the
 * delivery for redelivery in place: the subscription hands the same record to the handler again
 * (keeping its key's turn and its partition's commit point) once this delivery's handler returned,
 * after `delayMs`. With a retry topic, a delayed nack instead writes a copy there (attempt and due
 * time in headers) and settles the record, so its partition moves on; if that write fails, the
 * record is redelivered in place.
 */
export class KafkaDelivery<S = unknown> implements Delivery {
  state: 'open' | 'settling' | 'settled' | 'nacked' = 'open';
  nextAttempt?: number;
  /** How long an in-place redelivery waits (a delayed nack). */
  nextDelayMs?: number;
  /** At-most-once records are committed before hand-over and need no offset bookkeeping. */
  tracked = true;
  /** The settlement in progress, for a handler that returned without awaiting it. */
  pending?: Promise<void>;
  readonly transaction?: () => DeliveryTransaction;

  constructor(
    readonly message: TransportMessage,
    readonly attempt: number,
    readonly partition: number,
    readonly offset: number,
    /** The subscription's record of where this delivery came from (its partition's state). */
    readonly source: S,
    private readonly settler: Settler<S>,
    transactional: boolean,
  ) {
    if (transactional) this.transaction = () => this.openTransaction();
  }

  /** Built on demand: only a dead letter reads them. */
  get coordinates(): Coordinates {
    return { 'kafka-partition': String(this.partition), 'kafka-offset': String(this.offset) };
  }

  ack(): Promise<void> {
    if (this.state !== 'open') return RESOLVED;
    if (!this.settler.ackNow(this)) return this.settle('ack', NO_OUTPUTS);
    this.state = 'settled';
    return RESOLVED;
  }

  async nack(options?: { delayMs?: number; attempt?: number }): Promise<void> {
    if (this.state !== 'open') return;
    const attempt = options?.attempt ?? this.attempt + 1;
    const delayMs = options?.delayMs;
    const retryTopic = this.settler.retryTopic;
    if (retryTopic !== undefined && delayMs !== undefined && this.transaction === undefined) {
      const copy = copyWithHeaders(
        this.message,
        { [Headers.attempt]: String(attempt), [RETRY_AT_HEADER]: String(Date.now() + delayMs) },
        retryTopic,
      );
      try {
        return await this.settle('retry', [copy]);
      } catch {
        // not written (logged by the settler): redeliver in place instead
      }
    }
    this.state = 'nacked';
    this.nextAttempt = attempt;
    this.nextDelayMs = delayMs;
  }

  deadLetter(topic: string, headers: MessageHeaders): Promise<void> {
    return this.settle('dead-letter', [copyWithHeaders(this.message, headers, topic)]);
  }

  private settle(kind: SettleKind, outputs: readonly TransportMessage[]): Promise<void> {
    if (this.state !== 'open') return RESOLVED;
    this.state = 'settling';
    const done = this.settleNow(kind, outputs);
    this.pending = done.catch(ignore);
    return done;
  }

  private async settleNow(kind: SettleKind, outputs: readonly TransportMessage[]): Promise<void> {
    try {
      await this.settler.settle(this, kind, outputs);
      this.state = 'settled';
    } catch (error) {
      this.state = 'open'; // not settled after all: the core may nack or dead-letter it instead
      throw error;
    }
  }

  private openTransaction(): DeliveryTransaction {
    const outputs: TransportMessage[] = [];
    let ended = false;
    return {
      publish: async (messages) => {
        if (ended) throw new Error('this delivery transaction has ended');
        outputs.push(...messages);
      },
      commit: () => {
        ended = true;
        return this.settle('commit', outputs);
      },
      abort: async () => {
        // Outputs are buffered until commit, so aborting sends nothing to Kafka.
        ended = true;
        outputs.length = 0;
      },
    };
  }
}
