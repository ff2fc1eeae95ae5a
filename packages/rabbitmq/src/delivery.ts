import type { ConsumeMessage } from 'amqplib';
import {
  Headers,
  type Guarantee,
  type Logger,
  type MessageHeaders,
  type TransportMessage,
} from '@polybus/core';
import {
  copyWithHeaders,
  fitWithin,
  messageBytes,
  type Coordinates,
  type Delivery,
  type NextAttempt,
} from '@polybus/core/transport';
import type { Outgoing } from './confirm-channel';
import type { ConsumerChannel } from './consumer-channel';
import { attemptOf, MAX_MESSAGE_BYTES } from './wire';
import { retryBucket } from './naming';
import type { Publisher } from './publisher';
import type { Topology } from './topology';

/** What a delivery needs from its subscription. */
export interface DeliveryScope {
  readonly topic: string;
  readonly queue: string;
  readonly guarantee: Guarantee;
  readonly publisher: Publisher;
  readonly topology: Topology;
  readonly retryDelaysMs: readonly number[];
  readonly logger: Logger;
  /**
   * Per-key bindings: a retry must not let later messages of its key overtake it, so instead of
   * going through a retry queue it is held by the consumer (unacked, key still busy) and handed
   * over again after the delay.
   */
  readonly holdRetries: boolean;
}

const settledAlready: Promise<void> = Promise.resolve();

/**
 * One broker message as a `Delivery`.
 *
 * - `ack`: basic.ack on the channel it came from (a no-op once that channel is gone: the broker
 *   redelivers). at-most-once deliveries were acked before hand-over, so settling does nothing.
 * - `nack({ delayMs })`: a copy with `polybus-attempt` goes to the TTL retry queue of the delay's
 *   bucket, which dead-letters it back to the work queue; then the original is acked.
 * - `nack({ attempt })` without a delay: the copy goes straight back to the work queue (its tail).
 * - `nack()`: basic.nack with requeue; the attempt number stays as it was.
 * - `deadLetter`: a confirmed copy with the envelope headers to the dead-letter topic, then ack.
 * - per-key bindings: `nack` with a delay or attempt sets `held` instead (see `holdRetries`).
 *
 * A class, not closures: one is made per message, and its methods and coordinates are only
 * needed when called.
 */
export class RabbitDelivery implements Delivery {
  readonly attempt: number;
  /** Set by `nack` on a per-key binding: the subscription runs this retry itself. */
  held: NextAttempt | undefined;
  private settled = false;

  constructor(
    private readonly msg: ConsumeMessage,
    readonly message: TransportMessage,
    private readonly channel: ConsumerChannel,
    private readonly scope: DeliveryScope,
    attemptOverride?: number,
  ) {
    this.attempt = attemptOverride ?? attemptOf(msg);
  }

  get coordinates(): Coordinates {
    const { fields } = this.msg;
    return {
      'amqp-exchange': fields.exchange,
      'amqp-routing-key': fields.routingKey,
      'amqp-redelivered': String(fields.redelivered),
      'amqp-queue': this.scope.queue,
    };
  }

  ack(): Promise<void> {
    if (this.claim()) this.ackNow();
    return settledAlready;
  }

  async nack(options: { delayMs?: number; attempt?: number } = {}): Promise<void> {
    if (!this.claim() || this.preAcked) return;
    const { scope, message, channel } = this;
    const { delayMs = 0, attempt: next } = options;
    if (delayMs <= 0 && next === undefined) {
      channel.requeue(this.msg);
      return;
    }
    if (scope.holdRetries) {
      if (channel.open) this.held = { delayMs, attempt: next ?? this.attempt + 1 };
      return;
    }
    const copy = copyWithHeaders(message, { [Headers.attempt]: String(next ?? this.attempt + 1) });
    if (delayMs <= 0) return this.republish(scope.publisher.copy(copy, '', scope.queue));
    const exchange = await scope.topology.retryBucket(retryBucket(delayMs, scope.retryDelaysMs));
    await this.republish(scope.publisher.copy(copy, exchange, scope.queue));
  }

  async deadLetter(topic: string, headers: MessageHeaders): Promise<void> {
    if (!this.claim()) return;
    await this.scope.topology.deadLetterTopic(topic);
    const copy = fitWithin(copyWithHeaders(this.message, headers, topic), MAX_MESSAGE_BYTES, messageBytes);
    await this.republish(this.scope.publisher.copy(copy, topic));
  }

  /** True once `ack`, `nack` or `deadLetter` was called (the first call counts). */
  get isSettled(): boolean {
    return this.settled;
  }

  private get preAcked(): boolean {
    return this.scope.guarantee === 'at-most-once';
  }

  /** True for the first settle call; later ones are logged and ignored. */
  private claim(): boolean {
    if (!this.settled) return (this.settled = true);
    this.scope.logger.warn('rabbitmq delivery settled twice; ignored', {
      topic: this.scope.topic,
      id: this.message.id,
    });
    return false;
  }

  private ackNow(): void {
    if (!this.preAcked && !this.channel.ack(this.msg))
      this.scope.logger.debug('rabbitmq ack skipped: channel closed, the broker redelivers', {
        id: this.message.id,
      });
  }

  private async republish(item: Outgoing): Promise<void> {
    // On a dead channel the broker redelivers the original; a copy would be a duplicate.
    if (!this.preAcked && !this.channel.open) return;
    try {
      await this.scope.publisher.sendConfirmed(item.exchange || this.scope.queue, [item]);
    } catch (err) {
      if (!this.preAcked) this.channel.requeue(this.msg); // not moved: give it back rather than hold it unacked
      throw err;
    }
    this.ackNow();
  }
}
