import type { IHeaders, KafkaMessage, Message as KafkaOutgoing } from 'kafkajs';
import { Headers, type MessageHeaders, type TransportMessage } from '@polybus/core';
import { carriedAttempt } from '@polybus/core/transport';

/**
 * JSON is what a Kafka record without a content type holds, for Polybus's codec and for most Kafka
 * tooling, so a Polybus record carries `content-type` only when it is something else. Each header
 * costs kafkajs an encoder of its own per record: leaving out the default one is about a third of
 * the record's encode cost when a message has only its id besides.
 */
const DEFAULT_CONTENT_TYPE = 'application/json';

/** A Polybus message as a Kafka record: key → record key, headers as UTF-8, id in `polybus-id`. */
export function toKafkaMessage(message: TransportMessage): KafkaOutgoing {
  const headers: MessageHeaders = {};
  for (const name of Object.keys(message.headers)) {
    const value = message.headers[name];
    if (name === Headers.contentType && value === DEFAULT_CONTENT_TYPE) continue;
    headers[name] = value;
  }
  headers[Headers.id] = message.id;
  return {
    key: message.key ?? null,
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

function headerText(value: IHeaders[string]): string | undefined {
  if (value === undefined) return undefined;
  // A repeated header name arrives as an array; the last value wins, as in the Java client's lastHeader.
  const last = Array.isArray(value) ? value[value.length - 1] : value;
  if (last === undefined) return undefined;
  return typeof last === 'string' ? last : last.toString('utf8');
}

/**
 * A Kafka record as a Polybus message. Records from raw producers without `polybus-id` get the
 * deterministic id `kafka:<topic>:<partition>:<offset>`, so redeliveries keep one id.
 */
export function fromKafkaMessage(topic: string, partition: number, record: KafkaMessage): TransportMessage {
  const headers: MessageHeaders = {};
  if (record.headers) {
    for (const name of Object.keys(record.headers)) {
      const text = headerText(record.headers[name]);
      if (text !== undefined) headers[name] = text;
    }
  }
  // A Polybus record without a content type was JSON when it was published (see toKafkaMessage):
  // its handler sees the headers it would see on any other transport. Foreign records stay as sent.
  if (headers[Headers.id] !== undefined && headers[Headers.contentType] === undefined)
    headers[Headers.contentType] = DEFAULT_CONTENT_TYPE;
  const timestamp = Number(record.timestamp);
  return {
    id: headers[Headers.id] || `kafka:${topic}:${partition}:${record.offset}`,
    topic,
    key: record.key === null || record.key === undefined ? undefined : record.key.toString('utf8'),
    headers,
    payload: record.value ?? Buffer.alloc(0),
    timestamp: Number.isFinite(timestamp) ? timestamp : Date.now(),
  };
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
