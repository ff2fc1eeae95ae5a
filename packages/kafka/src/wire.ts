import type { IHeaders, KafkaMessage, Message as KafkaOutgoing } from 'kafkajs';
import { Headers, type MessageHeaders, type TransportMessage } from '@polybus/core';
import { carriedAttempt } from '@polybus/core/transport';
import {
  base64Text,
  ForeignHeaders,
  HeaderMarks,
  isMark,
  isMarked,
  RecordBytes,
  utf8Text,
} from './foreign-record';

/**
 * JSON is what a Kafka record without a content type holds, for Polybus's codec and for most Kafka
 * tooling, so a Polybus record carries `content-type` only when it is something else. Each header
 * costs kafkajs an encoder of its own per record: leaving out the default one is about a third of
 * the record's encode cost when a message has only its id besides.
 */
const DEFAULT_CONTENT_TYPE = 'application/json';

/**
 * A Polybus message as a Kafka record: key → record key, headers as UTF-8, id in `polybus-id`. A
 * message read from a foreign record that text could not carry exactly (see `ForeignHeaders`) is
 * written with that record's key and header bytes, repeats and nulls again, without the marks.
 */
export function toKafkaMessage(message: TransportMessage): KafkaOutgoing {
  const source = message.headers;
  const bytes = isMarked(source) ? new RecordBytes(source) : undefined;
  const headers: IHeaders = {};
  for (const name of Object.keys(source)) {
    const value = source[name];
    if (name === Headers.contentType && value === DEFAULT_CONTENT_TYPE) continue;
    if (bytes === undefined) headers[name] = value;
    else if (!isMark(name)) headers[name] = bytes.header(name, value);
  }
  headers[Headers.id] = message.id;
  return {
    key: bytes === undefined ? (message.key ?? null) : bytes.key(message.key),
    value: message.payload,
    headers,
    timestamp: String(message.timestamp),
  };
}

/** Groups records by topic, keeping each topic's publish order, for one `sendBatch` request. */
export function byTopic(
  messages: readonly TransportMessage[],
): { topic: string; messages: KafkaOutgoing[] }[] {
  const groups = new Map<string, KafkaOutgoing[]>();
  for (const message of messages) {
    let list = groups.get(message.topic);
    if (!list) groups.set(message.topic, (list = []));
    list.push(toKafkaMessage(message));
  }
  return [...groups].map(([topic, list]) => ({ topic, messages: list }));
}

/**
 * A Kafka record as a Polybus message. Records from raw producers without `polybus-id` get the
 * deterministic id `kafka:<topic>:<partition>:<offset>`, so redeliveries keep one id. Key and
 * header values that are not UTF-8 are given as `base64:…`; a repeated header name as its last
 * value, all of them kept (see `ForeignHeaders`).
 */
export function fromKafkaMessage(topic: string, partition: number, record: KafkaMessage): TransportMessage {
  const headers: MessageHeaders = {};
  const source = record.headers;
  if (source) {
    let marks: HeaderMarks | undefined;
    for (const name of Object.keys(source)) {
      // kafkajs decodes a header as bytes, null for a null value, an array for a repeated name.
      const value = source[name] as Buffer | string | null | undefined | (Buffer | string | null)[];
      if (value === undefined) continue;
      const text =
        typeof value === 'string'
          ? value
          : value === null || Array.isArray(value)
            ? undefined
            : utf8Text(value);
      if (text !== undefined) headers[name] = text;
      else (marks ??= new HeaderMarks()).add(headers, name, value);
    }
    marks?.markOn(headers);
  }
  // A Polybus record without a content type was JSON when it was published (see toKafkaMessage):
  // its handler sees the headers it would see on any other transport. Foreign records stay as sent.
  if (headers[Headers.id] !== undefined && headers[Headers.contentType] === undefined)
    headers[Headers.contentType] = DEFAULT_CONTENT_TYPE;
  const timestamp = Number(record.timestamp);
  return {
    id: headers[Headers.id] || `kafka:${topic}:${partition}:${record.offset}`,
    topic,
    key: keyOf(record.key, headers),
    headers,
    payload: record.value ?? Buffer.alloc(0),
    timestamp: Number.isFinite(timestamp) ? timestamp : Date.now(),
  };
}

function keyOf(key: Buffer | null | undefined, headers: MessageHeaders): string | undefined {
  if (key === null || key === undefined) return undefined;
  const text = utf8Text(key);
  if (text !== undefined) return text;
  headers[ForeignHeaders.keyEncoding] = 'base64';
  return base64Text(key);
}

/** On a retry topic's record: when (epoch ms) it is due to be handed over again. */
export const RETRY_AT_HEADER = 'polybus-kafka-retry-at';

/** The retry topic of a binding: per group, so another group of the topic never sees its retries. */
export function retryTopicOf(topic: string, group: string): string {
  return `${topic}.${group}.retry`;
}

/** The `polybus-attempt` header when a Polybus publisher set it, else 1. */
export function attemptOf(headers: MessageHeaders): number {
  return carriedAttempt(headers[Headers.attempt]) ?? 1;
}
