// What scripts/bench/publish.ts and consume.ts share: the message, topic names, the broker list.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** ~100–120 bytes of JSON. */
export const body = (n: number) => ({
  n,
  orderId: `o-${n}`,
  customer: 'c-123',
  amount: 4200,
  note: 'x'.repeat(40),
});

/** A topic of its own for every run (`bench-<p>-<6 hex>`). */
export const name = (p: string): string => `bench-${p}-${randomBytes(3).toString('hex')}`;

export const BROKER_NAMES = ['kafka', 'redis', 'rabbitmq', 'sqs'] as const;
export type BrokerName = (typeof BROKER_NAMES)[number];

export const URLS: Record<BrokerName, string> = {
  kafka: 'kafka://127.0.0.1:9092',
  redis: 'redis://127.0.0.1:6379',
  rabbitmq: 'amqp://guest:guest@127.0.0.1:5672',
  sqs: 'sqs://x:x@127.0.0.1:9324?region=us-east-1',
};

/** BENCH_BROKERS (comma-separated), all four by default. */
export const selectedBrokers = (): BrokerName[] =>
  (process.env.BENCH_BROKERS ?? BROKER_NAMES.join(','))
    .split(',')
    .filter((b): b is BrokerName => (BROKER_NAMES as readonly string[]).includes(b));

/** `0.40 1.97 3.27` from /proc/loadavg (1, 5, 15 minutes), or '' where there is none. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '';
  }
}

/**
 * Messages per column and round when BENCH_MESSAGES is not set: enough for each column to run a
 * second or more, so a ratio measures the steady state and not the first fetches (a Kafka
 * consumer takes 20,000 messages in a fraction of a second, most of it its start).
 */
const DEFAULT_MESSAGES: Record<BrokerName, number> = {
  kafka: 100_000,
  redis: 50_000,
  rabbitmq: 20_000,
  sqs: 5_000,
};

/**
 * Messages per column and round on `broker`: BENCH_MESSAGES, else `DEFAULT_MESSAGES`; on SQS
 * BENCH_SQS_MESSAGES, else at most 5,000, as ElasticMQ holds every message in its (small) heap.
 */
export function messagesFor(broker: BrokerName): number {
  const given = process.env.BENCH_MESSAGES;
  const n = given === undefined ? DEFAULT_MESSAGES[broker] : Number(given);
  return broker === 'sqs' ? Number(process.env.BENCH_SQS_MESSAGES ?? Math.min(n, 5000)) : n;
}

/** The `headers` Polybus's handler sees on a message published with none of its own. */
export const DEFAULT_CONTENT_TYPE = 'application/json';
