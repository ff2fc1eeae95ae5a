import type { ConsumeMessage } from 'amqplib';
import {
  Headers,
  type Delivery,
  type Guarantee,
  type Logger,
  type MessageHeaders,
  type TransportMessage,
} from '@polybus/core';
import type { Outgoing } from './confirm-channel';
import type { ConsumerChannel } from './consumer-channel';
import { attemptOf, toAmqp } from './mapping';
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

/** A retry the subscription runs itself (see `DeliveryScope.holdRetries`). */
export interface HeldRetry {
  readonly delayMs: number;
  readonly attempt: number;
}

/**
 * Maps one broker message to a `Delivery`.
 *
 * - `ack`: basic.ack on the channel it came from (a no-op once that channel is gone: the broker
 *   redelivers). at-most-once deliveries were acked before hand-over, so settling does nothing.
 * - `nack({ delayMs })`: a copy with `polybus-attempt` goes to the TTL retry queue of the delay's
 *   bucket, which dead-letters it back to the work queue; then the original is acked.
 * - `nack({ attempt })` without a delay: the copy goes straight back to the work queue (its tail).
 * - `nack()`: basic.nack with requeue; the attempt number stays as it was.
 * - `deadLetter`: a confirmed copy with the envelope headers to the dead-letter topic, then ack.
 * - per-key bindings: `nack` with a delay or attempt goes to `hold` instead (see `holdRetries`).
 */
export function createDelivery(
  msg: ConsumeMessage,
  message: TransportMessage,
  channel: ConsumerChannel,
  scope: DeliveryScope,
  hold: (retry: HeldRetry) => void,
  attemptOverride?: number,
): Delivery {
  const attempt = attemptOverride ?? attemptOf(msg);
  const preAcked = scope.guarantee === 'at-most-once';
  let settled = false;

  const settle = async (work: () => Promise<void>): Promise<void> => {
    if (settled) {
      scope.logger.warn('rabbitmq delivery settled twice; ignored', { topic: scope.topic, id: message.id });
      return;
    }
    settled = true;
    await work();
  };
  const ack = () => {
    if (!preAcked && !channel.ack(msg))
      scope.logger.debug('rabbitmq ack skipped: channel closed, the broker redelivers', { id: message.id });
  };
  const republish = async (item: Outgoing) => {
    // On a dead channel the broker redelivers the original; a copy would be a duplicate.
    if (!preAcked && !channel.open) return;
    try {
      await scope.publisher.sendConfirmed(item.exchange || scope.queue, [item]);
    } catch (err) {
      if (!preAcked) channel.requeue(msg); // not moved: give it back rather than hold it unacked
      throw err;
    }
    ack();
  };

  return {
    message,
    attempt,
    coordinates: {
      'amqp-exchange': msg.fields.exchange,
      'amqp-routing-key': msg.fields.routingKey,
      'amqp-redelivered': String(msg.fields.redelivered),
      'amqp-queue': scope.queue,
    },
    ack: () => settle(async () => ack()),
    nack: (options = {}) =>
      settle(async () => {
        if (preAcked) return;
        const { delayMs = 0, attempt: next } = options;
        if (delayMs <= 0 && next === undefined) {
          channel.requeue(msg);
          return;
        }
        if (scope.holdRetries) {
          if (channel.open) hold({ delayMs, attempt: next ?? attempt + 1 });
          return;
        }
        const copy = withHeaders(message, { [Headers.attempt]: String(next ?? attempt + 1) });
        if (delayMs <= 0) return republish(outgoing(copy, '', scope.queue));
        const exchange = await scope.topology.retryBucket(retryBucket(delayMs, scope.retryDelaysMs));
        await republish(outgoing(copy, exchange, scope.queue));
      }),
    deadLetter: (topic: string, headers: MessageHeaders) =>
      settle(async () => {
        await scope.topology.deadLetterTopic(topic);
        const copy = withHeaders(message, headers);
        await republish(outgoing(copy, topic));
      }),
  };
}

function withHeaders(message: TransportMessage, headers: MessageHeaders): TransportMessage {
  return { ...message, headers: { ...message.headers, ...headers } };
}

function outgoing(message: TransportMessage, exchange: string, routingKey?: string): Outgoing {
  const amqp = toAmqp(message, true);
  return {
    exchange,
    routingKey: routingKey ?? amqp.routingKey,
    content: message.payload,
    options: amqp.options,
  };
}
