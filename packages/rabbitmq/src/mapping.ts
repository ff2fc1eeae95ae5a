import type { ConsumeMessage, Options } from 'amqplib';
import { Headers, uuidv7, type MessageHeaders, type TransportMessage } from '@polybus/core';
import { carriedAttempt } from '@polybus/core/transport';

/** Headers this adapter adds to carry what AMQP properties cannot hold exactly. */
export const AmqpHeaders = {
  /** The message key (the routing key holds it too when it fits in 255 bytes). */
  key: 'polybus-key',
  /** Milliseconds; the AMQP `timestamp` property has whole seconds only. */
  timestamp: 'polybus-timestamp',
} as const;

/** RabbitMQ's default `max_message_size` (128 MiB). AMQP headers are further limited to 64 KiB. */
export const MAX_MESSAGE_BYTES = 134_217_728;

const MAX_ROUTING_KEY_BYTES = 255;
/** Added by the broker when the retry queues dead-letter a message back; not the user's headers. */
const BROKER_HEADER = /^x-(death|first-death-|last-death-|delivery-count$)/;

export interface AmqpOutgoing {
  readonly routingKey: string;
  readonly options: Options.Publish;
}

/**
 * Properties and headers of a published message. `content-type` and `polybus-id` travel as the
 * AMQP `content-type` and `message-id` properties, where any AMQP client looks for them, and
 * `fromAmqp` puts them back among the headers: carrying them twice cost the broker ~10 % of
 * publish throughput. `confirmed` publishes are persistent and mandatory (see `Publisher`).
 */
export function toAmqp(message: TransportMessage, confirmed: boolean): AmqpOutgoing {
  const headers: Record<string, string> = {};
  const source = message.headers;
  for (const name in source)
    if (name !== Headers.contentType && name !== Headers.id) headers[name] = source[name];
  headers[AmqpHeaders.timestamp] = String(message.timestamp);
  let routingKey = '';
  if (message.key !== undefined) {
    headers[AmqpHeaders.key] = message.key;
    if (Buffer.byteLength(message.key) <= MAX_ROUTING_KEY_BYTES) routingKey = message.key;
  }
  return {
    routingKey,
    options: {
      messageId: message.id,
      contentType: message.headers[Headers.contentType],
      timestamp: Math.floor(message.timestamp / 1000),
      persistent: confirmed,
      mandatory: confirmed,
      headers,
    },
  };
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined; // tables and arrays have no faithful string form
}

/**
 * A broker message as Polybus sees it. A message from a raw client gets its id from the
 * `messageId` property, else a new `amqp-<uuidv7>`: AMQP gives a message no identity of its own,
 * and a hash of its content would make two equal business events one. Polybus's own copies (retry
 * queues, requeue with an attempt, dead letters) carry that id on, so its retries keep it; a
 * broker redelivery of the original (a consumer crash) gets a new one (see `carriesId`). Its key is
 * the routing key.
 */
export function fromAmqp(msg: ConsumeMessage, topic: string): TransportMessage {
  const headers: MessageHeaders = {};
  const source = msg.properties.headers;
  let carriedKey: string | undefined;
  let carriedMs: string | undefined;
  // Adapter headers are picked out, not copied then deleted (a delete slows the object down).
  for (const name in source) {
    if (name.charCodeAt(0) === 120 /* x */ && BROKER_HEADER.test(name)) continue;
    const text = headerText(source[name]);
    if (text === undefined) continue;
    if (name === AmqpHeaders.key) carriedKey = text;
    else if (name === AmqpHeaders.timestamp) carriedMs = text;
    else headers[name] = text;
  }
  const contentType = headerText(msg.properties.contentType);
  if (contentType !== undefined) headers[Headers.contentType] = contentType;
  const id = headers[Headers.id] ?? headerText(msg.properties.messageId) ?? `amqp-${uuidv7()}`;
  headers[Headers.id] = id;
  // Via the default exchange (retry queues, requeues, sendToQueue) the routing key is a queue name.
  const routed = msg.fields.exchange !== '' ? msg.fields.routingKey : '';
  const key = carriedKey ?? (routed || undefined);
  const ms = Number(carriedMs);
  const seconds = Number(msg.properties.timestamp);
  const timestamp =
    Number.isFinite(ms) && ms > 0
      ? ms
      : Number.isFinite(seconds) && seconds > 0
        ? seconds * 1000
        : Date.now();
  return { id, topic, key, headers, payload: msg.content, timestamp };
}

/**
 * The message has an id of its own (the `message-id` property or a `polybus-id` header), the same
 * on every delivery of it. Without one, exactly-once cannot tell a broker redelivery of it from a
 * new message: a foreign producer sets `message_id` (or `polybus-idempotency-key`).
 */
export function carriesId(msg: ConsumeMessage): boolean {
  return (
    headerText(msg.properties.messageId) !== undefined || msg.properties.headers?.[Headers.id] !== undefined
  );
}

/** `polybus-attempt` when present, else the quorum queue's delivery count + 1, else 1. */
export function attemptOf(msg: ConsumeMessage): number {
  const headers = msg.properties.headers ?? {};
  const carried = carriedAttempt(headerText(headers[Headers.attempt]));
  if (carried !== undefined) return carried;
  const count = Number(headers['x-delivery-count']);
  return Number.isInteger(count) && count >= 0 ? count + 1 : 1;
}
