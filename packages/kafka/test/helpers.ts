import { testMessage } from '@polybus/conformance';
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { silentLogger, type TransportMessage } from '@polybus/core';
import { type SubscribeOptions } from '@polybus/core/transport';
import { waitFor as pollUntil } from '@polybus/core/testing';
import { kafkaTransport, type KafkaTransport, type KafkaTransportOptions } from '../src';

export const BROKERS = (process.env.POLYBUS_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Small group timeouts: Kafka group joins and failure detection are slow by default. */
export const FAST_CONSUMER = {
  sessionTimeout: 6_000,
  rebalanceTimeout: 8_000,
  heartbeatInterval: 500,
  maxWaitTimeInMs: 200,
};

export function testTransport(options: Partial<KafkaTransportOptions> = {}): KafkaTransport {
  return kafkaTransport({
    brokers: BROKERS,
    clientId: 'polybus-test',
    logger: silentLogger,
    ...options,
    consumer: { ...FAST_CONSUMER, ...options.consumer },
  });
}

export function rawKafka(): Kafka {
  return new Kafka({ clientId: 'polybus-test-raw', brokers: BROKERS, logLevel: logLevel.NOTHING });
}

/** Transport-level binding options: at-least-once, a fresh group, no dead-letter topic. */
export function binding(topic: string, extra: Partial<SubscribeOptions> = {}): SubscribeOptions {
  return {
    topic,
    group: unique('g'),
    guarantee: 'at-least-once',
    concurrency: 16,
    ordering: 'none',
    deadLetterTopic: false,
    maxAttempts: 3,
    idempotent: false,
    ...extra,
  };
}

/** The shared transport-test message fixture. */
export const message = testMessage;

/** Core's `waitFor` with this file's argument order (condition, timeout, what). */
export const waitFor = (
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<unknown> => pollUntil(condition, { timeoutMs, description: what, intervalMs: 50 });

export async function createTopic(topic: string, partitions = 3): Promise<void> {
  const admin = rawKafka().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
}

/** Reads every record of `topic` with a plain kafkajs consumer until `done(records)` holds. */
export async function readAll(
  topic: string,
  done: (records: KafkaMessage[]) => boolean,
  options: { readUncommitted?: boolean; timeoutMs?: number; settleMs?: number } = {},
): Promise<KafkaMessage[]> {
  const consumer = rawKafka().consumer({
    groupId: unique('reader'),
    readUncommitted: options.readUncommitted ?? false,
    ...FAST_CONSUMER,
  });
  const records: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void records.push(message) });
  try {
    await waitFor(() => done(records), options.timeoutMs ?? 30_000, `records on ${topic}`);
    // Keep reading a little longer so that a record beyond the expected ones can show up.
    if (options.settleMs) await new Promise((r) => setTimeout(r, options.settleMs));
    return [...records];
  } finally {
    await consumer.disconnect();
  }
}

/** Whether `group` has committed every partition of `topic` up to its end. */
export async function caughtUp(group: string, topic: string): Promise<boolean> {
  const admin = rawKafka().admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return ends.every((end) => {
      const c = committed?.partitions.find((p) => p.partition === end.partition);
      return c !== undefined && Number(c.offset) >= Number(end.high);
    });
  } finally {
    await admin.disconnect();
  }
}
