import { isUtf8 } from 'node:buffer';
import type { Message as SqsMessage, MessageAttributeValue } from '@aws-sdk/client-sqs';
import { Headers, type MessageHeaders, type TransportMessage } from '@polybus/core';

/**
 * Message attributes Polybus writes. SQS allows 10 attributes per message, so every header travels
 * packed in one JSON attribute and any number of headers fit.
 */
export const Attributes = {
  headers: 'polybus-headers',
  id: 'polybus-id',
  key: 'polybus-key',
  timestamp: 'polybus-timestamp',
  /** Absent: the body is the payload as UTF-8 text. `base64`: binary payload. `empty`: zero bytes. */
  encoding: 'polybus-body-encoding',
} as const;

export interface EncodedMessage {
  readonly body: string;
  readonly attributes: Record<string, MessageAttributeValue>;
  /** What SQS counts against its size limit: body + attribute names, types and values (UTF-8). */
  readonly bytes: number;
}

// Characters an SQS body may hold (XML 1.0 Char production); anything else forces base64.
const INVALID_BODY_CHAR = /[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/u;

export function encodeMessage(message: TransportMessage): EncodedMessage {
  const attributes: Record<string, MessageAttributeValue> = {
    [Attributes.headers]: { DataType: 'String', StringValue: JSON.stringify(message.headers) },
    [Attributes.id]: { DataType: 'String', StringValue: message.id },
    [Attributes.timestamp]: { DataType: 'Number', StringValue: String(message.timestamp) },
  };
  if (message.key !== undefined && message.key !== '')
    attributes[Attributes.key] = { DataType: 'String', StringValue: message.key };
  let body: string;
  if (message.payload.length === 0) {
    body = '-'; // SQS refuses empty bodies
    attributes[Attributes.encoding] = { DataType: 'String', StringValue: 'empty' };
  } else if (isUtf8(message.payload) && !INVALID_BODY_CHAR.test((body = message.payload.toString('utf8')))) {
    // text payloads (JSON) travel as they are, readable by any SQS client
  } else {
    body = message.payload.toString('base64');
    attributes[Attributes.encoding] = { DataType: 'String', StringValue: 'base64' };
  }
  return { body, attributes, bytes: Buffer.byteLength(body) + attributesSize(attributes) };
}

function attributesSize(attributes: Record<string, MessageAttributeValue>): number {
  let size = 0;
  for (const [name, value] of Object.entries(attributes))
    size += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  return size;
}

export interface DecodedMessage {
  readonly message: TransportMessage;
  /** The `polybus-headers` attribute was present but not a JSON string map. */
  readonly headerProblem?: string;
}

/**
 * Maps a received SQS message back. A message written by a raw client has no Polybus attributes:
 * its String attributes become headers, its id is the SQS MessageId, its key the FIFO
 * MessageGroupId, its timestamp SentTimestamp, and without `content-type` the core reads it as JSON.
 */
export function decodeMessage(topic: string, sqs: SqsMessage): DecodedMessage {
  const attrs = sqs.MessageAttributes ?? {};
  const headers: MessageHeaders = {};
  for (const [name, value] of Object.entries(attrs))
    if (!name.startsWith('polybus-') && value.DataType?.startsWith('String') && value.StringValue !== undefined)
      headers[name] = value.StringValue;
  let headerProblem: string | undefined;
  const packed = attrs[Attributes.headers]?.StringValue;
  if (packed !== undefined) {
    const parsed = parseHeaders(packed);
    if (parsed === undefined) headerProblem = `attribute ${Attributes.headers} is not a JSON object of strings`;
    else Object.assign(headers, parsed);
  }
  const system = sqs.Attributes ?? {};
  const body = sqs.Body ?? '';
  const encoding = attrs[Attributes.encoding]?.StringValue;
  const payload =
    encoding === 'base64' ? Buffer.from(body, 'base64') : encoding === 'empty' ? Buffer.alloc(0) : Buffer.from(body, 'utf8');
  const key = attrs[Attributes.key]?.StringValue ?? system.MessageGroupId;
  const timestamp = Number(attrs[Attributes.timestamp]?.StringValue ?? system.SentTimestamp ?? Date.now());
  const message: TransportMessage = {
    id: attrs[Attributes.id]?.StringValue ?? headers[Headers.id] ?? sqs.MessageId ?? '',
    topic,
    ...(key === undefined ? {} : { key }),
    headers,
    payload,
    timestamp: Number.isFinite(timestamp) ? timestamp : Date.now(),
  };
  return headerProblem === undefined ? { message } : { message, headerProblem };
}

function parseHeaders(text: string): MessageHeaders | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    for (const v of Object.values(value)) if (typeof v !== 'string') return undefined;
    return value as MessageHeaders;
  } catch {
    return undefined;
  }
}

/** 1-based attempt: the larger of SQS's receive count and the `polybus-attempt` header. */
export function attemptOf(sqs: SqsMessage, headers: MessageHeaders): number {
  const received = Number(sqs.Attributes?.ApproximateReceiveCount ?? 1);
  const carried = Number(headers[Headers.attempt] ?? 0);
  return Math.max(1, Number.isFinite(received) ? received : 1, Number.isFinite(carried) ? carried : 0);
}
