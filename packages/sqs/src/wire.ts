import { isUtf8 } from 'node:buffer';
import type { Message as SqsMessage, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { Headers, type MessageHeaders, type TransportMessage } from '@polybus/core';
import { carriedAttempt, payloadBuffer } from '@polybus/core/transport';

/**
 * The one message attribute Polybus writes, `polybus`: a JSON object
 * `{ id, timestamp, key?, encoding?, headers }` (`headers` without `polybus-id`, which `id` carries). SQS allows 10 attributes per message, so every
 * header travels packed in it and any number of headers fit; one attribute also costs SQS and the
 * SDK's checksums far less per message than one per field.
 * `encoding`: absent = the body is the payload as UTF-8 text; `base64` = binary payload; `empty` = zero bytes.
 */
export const POLYBUS_ATTRIBUTE = 'polybus';

interface Envelope {
  id: string;
  timestamp: number;
  key?: string;
  encoding?: 'base64' | 'empty';
  headers: MessageHeaders;
}

export interface EncodedMessage {
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
  /** What SQS counts against its size limit: body + attribute names, types and values (UTF-8). */
  readonly bytes: number;
}

// Characters an SQS body may hold (XML 1.0 Char production); anything else forces base64.
const INVALID_BODY_CHAR = /[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

export function encodeMessage(message: TransportMessage): EncodedMessage {
  const envelope: Envelope = { id: message.id, timestamp: message.timestamp, headers: withoutId(message) };
  if (message.key !== undefined && message.key !== '') envelope.key = message.key;
  const payload = message.payload;
  // A string payload is text already (the JSON codec's); bytes are text when they are UTF-8.
  let body = typeof payload === 'string' ? payload : isUtf8(payload) ? payload.toString() : undefined;
  if (payload.length === 0) {
    body = '-'; // SQS refuses empty bodies
    envelope.encoding = 'empty';
  } else if (body === undefined || INVALID_BODY_CHAR.test(body)) {
    body = payloadBuffer(payload).toString('base64');
    envelope.encoding = 'base64';
  } // else text payloads (JSON) travel as they are, readable by any SQS client
  const packed = JSON.stringify(envelope);
  const attributes = { [POLYBUS_ATTRIBUTE]: { DataType: 'String', StringValue: packed } };
  return {
    body,
    attributes,
    bytes: Buffer.byteLength(body) + ATTRIBUTE_OVERHEAD + Buffer.byteLength(packed),
  };
}

/** The bytes SQS counts against its size limit for `message` as `encodeMessage` writes it. */
export const wireBytes = (message: TransportMessage): number => encodeMessage(message).bytes;

/** What the one attribute's name and data type count against the size limit (ASCII). */
const ATTRIBUTE_OVERHEAD = POLYBUS_ATTRIBUTE.length + 'String'.length;

/** `polybus-id` repeats the envelope's `id`: it is left out and restored on decode. */
function withoutId(message: TransportMessage): MessageHeaders {
  if (message.headers[Headers.id] !== message.id) return message.headers;
  const { [Headers.id]: _id, ...rest } = message.headers;
  return rest;
}

export interface DecodedMessage {
  readonly message: TransportMessage;
  /** The `polybus` attribute was present but malformed. */
  readonly headerProblem?: string;
}

/**
 * Maps a received SQS message back. A message written by a raw client has no `polybus` attribute:
 * its String attributes become headers, its id is the SQS MessageId, its key the FIFO
 * MessageGroupId, its timestamp SentTimestamp, and without `content-type` the core reads it as JSON.
 */
export function decodeMessage(topic: string, sqs: SqsMessage): DecodedMessage {
  const attrs = sqs.MessageAttributes ?? {};
  const headers: MessageHeaders = {};
  for (const name in attrs) {
    if (name === POLYBUS_ATTRIBUTE) continue;
    const header = attributeHeader(attrs[name]);
    if (header !== undefined) headers[name] = header;
  }
  const packed = attrs[POLYBUS_ATTRIBUTE]?.StringValue;
  const envelope = packed === undefined ? undefined : parseEnvelope(packed);
  if (envelope !== undefined) {
    Object.assign(headers, envelope.headers);
    headers[Headers.id] ??= envelope.id;
  }
  const system = sqs.Attributes ?? {};
  const body = sqs.Body ?? '';
  const payload =
    envelope?.encoding === 'base64'
      ? Buffer.from(body, 'base64')
      : envelope?.encoding === 'empty'
        ? Buffer.alloc(0)
        : body; // text stays text: the JSON codec parses it as it is
  const key = envelope?.key ?? system.MessageGroupId;
  const timestamp = envelope?.timestamp ?? Number(system.SentTimestamp ?? Date.now());
  const message: { -readonly [K in keyof TransportMessage]: TransportMessage[K] } = {
    id: envelope?.id ?? headers[Headers.id] ?? sqs.MessageId ?? '',
    topic,
    headers,
    payload,
    timestamp: Number.isFinite(timestamp) ? timestamp : Date.now(),
  };
  if (key !== undefined) message.key = key;
  if (packed !== undefined && envelope === undefined) {
    headers[POLYBUS_ATTRIBUTE] = packed; // a foreign attribute of that name: kept as it came
    return { message, headerProblem: `attribute ${POLYBUS_ATTRIBUTE} is not a Polybus envelope` };
  }
  return { message };
}

/**
 * A foreign attribute as a header: String and Number (and their custom types, `Number.int`) as
 * their text, Binary as `base64:` and its bytes in base64, so no attribute a producer set is lost.
 */
function attributeHeader(value: MessageAttributeValue): string | undefined {
  const type = value.DataType ?? '';
  if ((type.startsWith('String') || type.startsWith('Number')) && value.StringValue !== undefined)
    return value.StringValue;
  if (type.startsWith('Binary') && value.BinaryValue !== undefined)
    return `base64:${Buffer.from(value.BinaryValue).toString('base64')}`;
  return undefined;
}

function parseEnvelope(text: string): Envelope | undefined {
  try {
    const value = JSON.parse(text) as Partial<Envelope> | null;
    if (typeof value !== 'object' || value === null) return undefined;
    const { id, timestamp, key, encoding, headers } = value;
    if (typeof id !== 'string' || typeof timestamp !== 'number') return undefined;
    if (key !== undefined && typeof key !== 'string') return undefined;
    if (encoding !== undefined && encoding !== 'base64' && encoding !== 'empty') return undefined;
    if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return undefined;
    for (const name in headers)
      if (typeof (headers as Record<string, unknown>)[name] !== 'string') return undefined;
    return value as Envelope;
  } catch {
    return undefined;
  }
}

/** 1-based attempt: the larger of SQS's receive count and the `polybus-attempt` header. */
export function attemptOf(sqs: SqsMessage, headers: MessageHeaders): number {
  const received = Number(sqs.Attributes?.ApproximateReceiveCount ?? 1);
  const carried = carriedAttempt(headers[Headers.attempt]) ?? 0;
  return Math.max(1, Number.isFinite(received) ? received : 1, carried);
}
