import type { Transport } from '@polybus/core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every broker adapter present in the repository (a package whose index exports
 * createTransportFromUrl), with a URL tuned so a SIGKILLed consumer's messages come back quickly.
 */
export interface BrokerCase {
  readonly name: string;
  readonly pkg: string;
  readonly url: string;
  /**
   * When the URL cannot carry what the test needs (Kafka's session timeout, which decides how soon
   * a dead member's partitions move), the factory export and its options are used instead.
   */
  readonly factory?: { readonly name: string; readonly options: object };
}

const sqsEndpoint = new URL(process.env.POLYBUS_SQS_ENDPOINT ?? 'http://127.0.0.1:9324');
const redis = new URL(process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379');
redis.searchParams.set('claimIdleMs', '1000');

const ALL: BrokerCase[] = [
  {
    name: 'rabbitmq',
    pkg: 'rabbitmq',
    url: process.env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  },
  { name: 'redis-streams', pkg: 'redis-streams', url: redis.href },
  {
    name: 'sqs',
    pkg: 'sqs',
    url: `sqs://x:x@${sqsEndpoint.host}?region=us-east-1&visibilityTimeoutSeconds=3`,
  },
  {
    name: 'kafka',
    pkg: 'kafka',
    url: `kafka://${process.env.POLYBUS_KAFKA_BROKERS ?? '127.0.0.1:9092'}`,
    factory: {
      name: 'kafkaTransport',
      options: {
        brokers: (process.env.POLYBUS_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
        consumer: { sessionTimeout: 6_000, heartbeatInterval: 500, rebalanceTimeout: 10_000 },
        topics: { partitions: 2 },
      },
    },
  },
];

const PACKAGES = join(__dirname, '../..');

export const brokerCases: BrokerCase[] = ALL.filter((b) => {
  const index = join(PACKAGES, b.pkg, 'src/index.ts');
  return existsSync(index) && /createTransportFromUrl/.test(require('node:fs').readFileSync(index, 'utf8'));
});

/** For worker processes, which have no Jest module mapping: the adapter's source entry. */
export function adapterEntry(pkg: string): string {
  return join(PACKAGES, pkg, 'src/index.ts');
}

/** Serialised for a worker process: `[entry, url, factoryJson]`. */
export function workerSpec(broker: BrokerCase): string[] {
  return [adapterEntry(broker.pkg), broker.url, JSON.stringify(broker.factory ?? null)];
}

/** A transport for this broker in the test process (Jest maps @polybus/<pkg> to its sources). */
export function transportFor(broker: BrokerCase): Transport {
  const adapter = require(`@polybus/${broker.pkg}`) as Record<string, (arg: unknown) => Transport>;
  return broker.factory
    ? adapter[broker.factory.name](broker.factory.options)
    : adapter.createTransportFromUrl(new URL(broker.url));
}
