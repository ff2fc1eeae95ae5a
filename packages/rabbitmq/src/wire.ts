import type { ConsumeMessage, Options } from 'amqplib';
import { Headers, uuidv7, type MessageHeaders, type TransportMessage } from '@polybus/core';
import { carriedAttempt } from '@polybus/core/transport';
import { restoreTypes, typedText, TYPES_HEADER, type HeaderType } from './header-values';
import { readProperties, writeProperty, type WriteMode } from './properties';

/** Headers this adapter adds to carry what AMQP properties cannot hold exactly. */
export const AmqpHeaders = {
  /** The message key (the routing key holds it too when it fits in 255 bytes). */
  key: 'polybus-key',
  /** Milliseconds; the AMQP `timestamp` property has whole seconds only. */
  timestamp: 'polybus-timestamp',
  /** On delivery: the AMQP types of the headers that were not strings (see `header-values.ts`). */
  types: TYPES_HEADER,
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
 * publish throughput. `confirmed` publishes are persistent and mandatory (see `Publisher`). The
 * `amqp-*` headers of `PropertyHeaders` become their properties again, and the headers
 * `polybus-amqp-types` lists get their AMQP types back (see `header-values.ts`); a message with
 * neither (every Polybus message) costs one character test per header for both.
 */
export function toAmqp(message: TransportMessage, mode: WriteMode): AmqpOutgoing {
  const headers: Record<string, unknown> = {};
  const source = message.headers;
  const types = source[TYPES_HEADER];
  const options: Options.Publish = {
    messageId: message.id,
    contentType: source[Headers.contentType],
    timestamp: Math.floor(message.timestamp / 1000),
    persistent: mode.confirmed,
    mandatory: mode.confirmed,
    headers,
  };
  for (const name in source) {
    if (name === Headers.contentType || name === Headers.id) continue;
    const text = source[name];
    if (name.charCodeAt(0) === 97 /* a */ && writeProperty(options, name, text, mode)) continue;
    if (types === undefined || name !== TYPES_HEADER) headers[name] = text;
  }
  if (types !== undefined) restoreTypes(headers, types);
  headers[AmqpHeaders.timestamp] = String(message.timestamp);
  let routingKey = '';
  if (message.key !== undefined) {
    headers[AmqpHeaders.key] = message.key;
    if (Buffer.byteLength(message.key) <= MAX_ROUTING_KEY_BYTES) routingKey = message.key;
  }
  return { routingKey, options };
}

/** A header or property value amqplib decoded as text: what the id and attempt are read from. */
function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * A broker message as Polybus sees it. A message from a raw client gets its id from the
 * `messageId` property, else a new `amqp-<uuidv7>`: AMQP gives a message no identity of its own,
 * and a hash of its content would make two equal business events one. Polybus's own copies (retry
 * queues, requeue with an attempt, dead letters) carry that id on, so its retries keep it; a
 * broker redelivery of the original (a consumer crash) gets a new one (see `carriesId`). Its key is
 * the routing key. Headers that are not strings are shown as text, their types listed in
 * `polybus-amqp-types`; the properties of `PropertyHeaders` become `amqp-*` headers.
 */
export function fromAmqp(msg: ConsumeMessage, topic: string): TransportMessage {
  const headers: MessageHeaders = {};
  const source = msg.properties.headers;
  let carriedKey: string | undefined;
  let carriedMs: string | undefined;
  let types: Record<string, HeaderType> | undefined;
  // Adapter headers are picked out, not copied then deleted (a delete slows the object down).
  for (const name in source) {
    if (name.charCodeAt(0) === 120 /* x */ && BROKER_HEADER.test(name)) continue;
    const value: unknown = source[name];
    let text: string;
    let type: HeaderType | undefined;
    if (typeof value === 'string') text = value;
    else {
      const typed = typedText(value);
      if (typed === undefined) continue;
      ({ text, type } = typed);
    }
    if (name === AmqpHeaders.key) carriedKey = text;
    else if (name === AmqpHeaders.timestamp) carriedMs = text;
    else {
      headers[name] = text;
      if (type !== undefined) (types ??= {})[name] = type;
    }
  }
  if (types !== undefined) headers[TYPES_HEADER] = JSON.stringify(types);
  readProperties(msg.properties, headers);
  const contentType = scalarText(msg.properties.contentType);
  if (contentType !== undefined) headers[Headers.contentType] = contentType;
  const id = headers[Headers.id] ?? scalarText(msg.properties.messageId) ?? `amqp-${uuidv7()}`;
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
    scalarText(msg.properties.messageId) !== undefined || msg.properties.headers?.[Headers.id] !== undefined
  );
}

/** `polybus-attempt` when present, else the quorum queue's delivery count + 1, else 1. */
export function attemptOf(msg: ConsumeMessage): number {
  const headers = msg.properties.headers ?? {};
  const carried = carriedAttempt(scalarText(headers[Headers.attempt]));
  if (carried !== undefined) return carried;
  const count = Number(headers['x-delivery-count']);
  return Number.isInteger(count) && count >= 0 ? count + 1 : 1;
}
