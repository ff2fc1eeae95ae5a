import { randomBytes } from 'node:crypto';
import {
  createBus,
  PermanentError,
  silentLogger,
  type Bus,
  type BindOptions,
  type Message,
  type Transport,
} from '@polybus/core';
import type { DeadLetterAccess } from '@polybus/core/transport';
import { browseAll } from '@polybus/conformance';
import { waitFor } from '@polybus/core/testing';
import { kafkaTransport } from '@polybus/kafka';
import { rabbitmqTransport } from '@polybus/rabbitmq';
import { redisStreamsTransport } from '@polybus/redis-streams';
import { sqsTransport } from '@polybus/sqs';

/** A broker the tests can run on: its URL for the CLI, and new, unconnected transports for the tests' own buses. */
export interface TestBroker {
  readonly name: string;
  readonly url: string;
  readonly createTransport: () => Transport;
}

const KAFKA = process.env.POLYBUS_KAFKA_BROKERS ?? '127.0.0.1:9092';
const REDIS = process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const REDIS_URL = REDIS;

const AMQP = process.env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const SQS = { endpoint: 'http://127.0.0.1:9324', region: 'us-east-1' };

const ALL_BROKERS: readonly TestBroker[] = [
  {
    name: 'kafka',
    url: `kafka://${KAFKA}`,
    createTransport: () =>
      kafkaTransport({
        brokers: KAFKA.split(','),
        clientId: 'polybus-cli-test',
        logger: silentLogger,
        consumer: {
          sessionTimeout: 6_000,
          rebalanceTimeout: 8_000,
          heartbeatInterval: 500,
          maxWaitTimeInMs: 200,
        },
      }),
  },
  {
    name: 'redis-streams',
    url: REDIS,
    createTransport: () => redisStreamsTransport({ url: REDIS, blockMs: 500, logger: silentLogger }),
  },
  {
    name: 'rabbitmq',
    url: AMQP,
    createTransport: () => rabbitmqTransport({ url: AMQP, logger: silentLogger }),
  },
  {
    name: 'sqs',
    url: `sqs://x:x@127.0.0.1:9324?region=${SQS.region}`,
    createTransport: () =>
      sqsTransport({
        ...SQS,
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
        waitTimeSeconds: 1,
        visibilityTimeoutSeconds: 5,
        logger: silentLogger,
      }),
  },
];

/**
 * The brokers the CLI tests run on. RabbitMQ and SQS pass as well (`POLYBUS_CLI_BROKERS=rabbitmq,sqs`);
 * to run them by default, add their names here. `POLYBUS_CLI_BROKERS` picks any of `ALL_BROKERS`.
 */
const DEFAULT_BROKERS = ['kafka', 'redis-streams'];
const chosen = process.env.POLYBUS_CLI_BROKERS?.split(',') ?? DEFAULT_BROKERS;
export const BROKERS: readonly TestBroker[] = ALL_BROKERS.filter((b) => chosen.includes(b.name));

export const unique = (label: string): string => `cli.${label}.${randomBytes(4).toString('hex')}`;

/** What a test message says its handler should do on its first delivery. */
export type Kind = 'permanent' | 'transient' | 'ok';

export interface Body {
  n: number;
  kind: Kind;
}

/**
 * A bus with one binding on `topic` (concurrency 1, so letters reach the dead-letter topic in
 * publish order): `permanent` throws `PermanentError`, `transient` a plain error with one
 * attempt allowed. A replayed message (`polybus-replayed-from`) succeeds and is recorded.
 */
export async function deadLetteringBus(
  broker: TestBroker,
  topic: string,
  extra: Partial<BindOptions<Body>> = {},
): Promise<{ bus: Bus; replayed: Message<Body>[] }> {
  const replayed: Message<Body>[] = [];
  const bus = createBus({ transport: broker.createTransport(), logger: silentLogger });
  bus.bind<Body>(
    topic,
    async (m) => {
      if (m.headers['polybus-replayed-from'] !== undefined || m.body.kind === 'ok') {
        replayed.push(m);
        return;
      }
      if (m.body.kind === 'permanent') throw new PermanentError(`bad order ${m.body.n} (id ${m.id})`);
      throw new Error(`timeout after ${100 + m.body.n} ms`);
    },
    { group: unique('g'), concurrency: 1, retry: { maxAttempts: 1 }, ...extra },
  );
  await bus.start();
  return { bus, replayed };
}

/** Waits until the topic holds `count` letters; returns them. */
export async function lettersOn(access: DeadLetterAccess, topic: string, count: number) {
  let letters: Awaited<ReturnType<typeof browseAll>> = [];
  await waitFor(
    async () => {
      // Before the first letter a Redis dead-letter stream does not exist: not an error here.
      letters = await browseAll(access, topic, 500).catch(() => []);
      return letters.length >= count;
    },
    { timeoutMs: 30_000, intervalMs: 200, description: `${count} letters on ${topic}` },
  );
  return letters;
}
