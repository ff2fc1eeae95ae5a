import { ConfigurationError } from '@polybus/core';
import { optionNames, rejectUnknownOptions } from '@polybus/core/transport';
import type { KafkaTransportOptions } from './options';

type Nested<K extends keyof KafkaTransportOptions> = NonNullable<KafkaTransportOptions[K]>;

/** Every option name, checked by the compiler against the interface: a misspelt one is refused. */
const KNOWN = optionNames<KafkaTransportOptions>({
  brokers: true,
  clientId: true,
  ssl: true,
  sasl: true,
  connectionTimeout: true,
  requestTimeout: true,
  connectTimeoutMs: true,
  publishTimeoutMs: true,
  socketFactory: true,
  acks: true,
  compression: true,
  retries: true,
  topics: true,
  consumer: true,
  transactions: true,
  maxMessageBytes: true,
  retryTopics: true,
  logger: true,
});
const KNOWN_TOPICS = optionNames<Nested<'topics'>>({
  partitions: true,
  replicationFactor: true,
  create: true,
});
const KNOWN_CONSUMER = optionNames<Nested<'consumer'>>({
  sessionTimeout: true,
  rebalanceTimeout: true,
  heartbeatInterval: true,
  maxWaitTimeInMs: true,
  fromBeginning: true,
  commitIntervalMs: true,
  partitionsConsumedConcurrently: true,
  maxBytesPerPartition: true,
});
const KNOWN_TRANSACTIONS = optionNames<Nested<'transactions'>>({
  idPrefix: true,
  timeoutMs: true,
  maxBatchSize: true,
});

/** Refuses a name no option has, at the top level and in the nested groups, naming it. */
export function rejectUnknown(options: KafkaTransportOptions): void {
  rejectUnknownOptions(options, KNOWN);
  const groups = [
    ['topics', KNOWN_TOPICS],
    ['consumer', KNOWN_CONSUMER],
    ['transactions', KNOWN_TRANSACTIONS],
  ] as const;
  for (const [name, known] of groups) {
    const group: unknown = options[name];
    if (group === undefined) continue;
    if (typeof group !== 'object' || group === null) throw new ConfigurationError(name, 'must be an object');
    rejectUnknownOptions(group, known, `${name}.`);
  }
}
