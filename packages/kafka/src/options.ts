import type { KafkaConfig, SASLOptions } from 'kafkajs';
import { ConfigurationError, consoleLogger, type Logger } from '@polybus/core';
import { integerOption } from '@polybus/core/transport';
import { rejectUnknown } from './option-names';

export type KafkaAcks = 0 | 1 | -1;
export type KafkaCompression = 'none' | 'gzip';

/** Options of `kafkaTransport(...)`. Only `brokers` is required. */
export interface KafkaTransportOptions {
  /** Bootstrap brokers as `host:port`. */
  brokers: string[];
  /** Client id shown in broker logs and quotas. Default `polybus`. */
  clientId?: string;
  ssl?: KafkaConfig['ssl'];
  sasl?: SASLOptions;
  /** Ms to open a broker connection. Default 3000. */
  connectionTimeout?: number;
  /** Ms to wait for a broker reply. Default 30000. */
  requestTimeout?: number;
  /**
   * How long `connect()` (the bus's start) waits for the brokers to answer, kafkajs's retries
   * included, before `ConnectionError`. Default 10 000.
   */
  connectTimeoutMs?: number;
  /**
   * How long a publish waits for the brokers' acknowledgement, kafkajs's retries included, before
   * `PublishError`. The send is not cancelled: it may still land, which at-least-once allows. Default 10 000.
   */
  publishTimeoutMs?: number;
  /**
   * kafkajs's `socketFactory`: how connections to the brokers are opened (a proxy, a custom TLS
   * setup). Default: kafkajs's own.
   */
  socketFactory?: KafkaConfig['socketFactory'];
  /**
   * Overrides the acks that the publish guarantee picks (at-most-once 0, at-least-once -1).
   * Refused where it would weaken the guarantee: 0 for at-least-once, anything but -1 for exactly-once.
   */
  acks?: KafkaAcks;
  /**
   * Compression of the batches Polybus writes. Batches of any compression are read: gzip always,
   * snappy, lz4 and zstd with their packages installed (kafkajs-snappy, lz4js, fzstd).
   */
  compression?: KafkaCompression;
  /** Producer retries for at-least-once publishes. Default 5 (at-most-once never retries). */
  retries?: number;
  topics?: {
    /** Partitions of topics created by `ensureTopics`. Default 3. */
    partitions?: number;
    /** Replication factor of created topics. Default: the broker's `default.replication.factor`. */
    replicationFactor?: number;
    /** Create missing topics at start (default true); false = only check they exist. */
    create?: boolean;
  };
  consumer?: {
    /** Default 30000. The broker bounds it by group.min/max.session.timeout.ms. */
    sessionTimeout?: number;
    /** Default 60000. */
    rebalanceTimeout?: number;
    /** Default 3000; must be below sessionTimeout. */
    heartbeatInterval?: number;
    /** Longest a fetch waits on the broker for data. Default 500. */
    maxWaitTimeInMs?: number;
    /** A group without committed offsets starts at the earliest offset (default true) or the latest. */
    fromBeginning?: boolean;
    /** At-least-once commits are coalesced and sent at most this often. Default 50 ms. */
    commitIntervalMs?: number;
    /** Partitions whose batches are taken in parallel by one consumer. Default 4. */
    partitionsConsumedConcurrently?: number;
    /** Default 1 MiB. */
    maxBytesPerPartition?: number;
  };
  transactions?: {
    /** Transactional ids are `${idPrefix}-${group}-${topic}-${partition}`. Default `polybus`. */
    idPrefix?: string;
    /** Broker aborts a transaction left open this long. Default 30000. */
    timeoutMs?: number;
    /** Most deliveries committed in one Kafka transaction. Default 2000. */
    maxBatchSize?: number;
  };
  /**
   * Largest payload + headers accepted by publish, in bytes. Default: the broker's
   * `message.max.bytes` less 1 KiB for the batch's framing, read at connect (1000000 when the broker
   * does not say, e.g. without DescribeConfigs permission).
   */
  maxMessageBytes?: number;
  /**
   * Non-blocking retries (default false). When true, a retry the core delays goes to the binding's
   * retry topic `${topic}.${group}.retry` with its due time, and the record's offset moves on, so
   * one slow retry does not stall its partition; the binding's second consumer hands it back when
   * due. Exactly-once and per-key bindings keep retrying in place.
   */
  retryTopics?: boolean;
  logger?: Logger;
}

export interface ResolvedKafkaOptions {
  brokers: string[];
  clientId: string;
  ssl?: KafkaConfig['ssl'];
  sasl?: SASLOptions;
  connectionTimeout: number;
  requestTimeout: number;
  connectTimeoutMs: number;
  publishTimeoutMs: number;
  socketFactory?: KafkaConfig['socketFactory'];
  acks?: KafkaAcks;
  compression: KafkaCompression;
  retries: number;
  topics: { partitions: number; replicationFactor: number; create: boolean };
  consumer: {
    sessionTimeout: number;
    rebalanceTimeout: number;
    heartbeatInterval: number;
    maxWaitTimeInMs: number;
    fromBeginning: boolean;
    commitIntervalMs: number;
    partitionsConsumedConcurrently: number;
    maxBytesPerPartition: number;
  };
  transactions: { idPrefix: string; timeoutMs: number; maxBatchSize: number };
  maxMessageBytes: number;
  /** `maxMessageBytes` was given: the broker's limit is not read. */
  maxMessageBytesGiven: boolean;
  retryTopics: boolean;
  logger: Logger;
}

const BROKER = /^[^\s:,]+:\d{1,5}$/;

/** Validates options and fills defaults; every error names the offending field. */
export function resolveOptions(options: KafkaTransportOptions): ResolvedKafkaOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('options', 'kafkaTransport needs an options object with brokers');
  }
  rejectUnknown(options);
  const { brokers } = options;
  if (!Array.isArray(brokers) || brokers.length === 0) {
    throw new ConfigurationError('brokers', 'give at least one broker as "host:port"');
  }
  brokers.forEach((broker, i) => {
    if (typeof broker !== 'string' || !BROKER.test(broker)) {
      throw new ConfigurationError(`brokers[${i}]`, `expected "host:port", got ${JSON.stringify(broker)}`);
    }
  });
  const clientId = options.clientId ?? 'polybus';
  if (typeof clientId !== 'string' || clientId.length === 0) {
    throw new ConfigurationError('clientId', 'must be a non-empty string');
  }
  if (options.retryTopics !== undefined && typeof options.retryTopics !== 'boolean') {
    throw new ConfigurationError('retryTopics', `must be true or false, got ${String(options.retryTopics)}`);
  }
  if (options.acks !== undefined && ![0, 1, -1].includes(options.acks)) {
    throw new ConfigurationError('acks', `must be 0, 1 or -1, got ${String(options.acks)}`);
  }
  const compression = options.compression ?? 'none';
  if (compression !== 'none' && compression !== 'gzip') {
    throw new ConfigurationError('compression', `must be 'none' or 'gzip', got ${String(compression)}`);
  }
  const c = options.consumer ?? {};
  const sessionTimeout = integerOption('consumer.sessionTimeout', c.sessionTimeout, 30_000, { min: 1 });
  const heartbeatInterval = integerOption('consumer.heartbeatInterval', c.heartbeatInterval, 3_000, {
    min: 1,
  });
  if (heartbeatInterval >= sessionTimeout) {
    throw new ConfigurationError('consumer.heartbeatInterval', 'must be below consumer.sessionTimeout');
  }
  const t = options.topics ?? {};
  const x = options.transactions ?? {};
  const idPrefix = x.idPrefix ?? 'polybus';
  if (typeof idPrefix !== 'string' || idPrefix.length === 0) {
    throw new ConfigurationError('transactions.idPrefix', 'must be a non-empty string');
  }
  return {
    brokers: [...brokers],
    clientId,
    ssl: options.ssl,
    sasl: options.sasl,
    connectionTimeout: integerOption('connectionTimeout', options.connectionTimeout, 3_000, { min: 1 }),
    requestTimeout: integerOption('requestTimeout', options.requestTimeout, 30_000, { min: 1 }),
    connectTimeoutMs: integerOption('connectTimeoutMs', options.connectTimeoutMs, 10_000),
    publishTimeoutMs: integerOption('publishTimeoutMs', options.publishTimeoutMs, 10_000),
    socketFactory: options.socketFactory,
    acks: options.acks,
    compression,
    retries: integerOption('retries', options.retries, 5, { min: 0 }),
    topics: {
      partitions: integerOption('topics.partitions', t.partitions, 3, { min: 1 }),
      replicationFactor:
        t.replicationFactor === undefined
          ? -1
          : integerOption('topics.replicationFactor', t.replicationFactor, -1, { min: 1 }),
      create: t.create ?? true,
    },
    consumer: {
      sessionTimeout,
      heartbeatInterval,
      rebalanceTimeout: integerOption('consumer.rebalanceTimeout', c.rebalanceTimeout, 60_000, { min: 1 }),
      maxWaitTimeInMs: integerOption('consumer.maxWaitTimeInMs', c.maxWaitTimeInMs, 500, { min: 0 }),
      fromBeginning: c.fromBeginning ?? true,
      commitIntervalMs: integerOption('consumer.commitIntervalMs', c.commitIntervalMs, 50, { min: 0 }),
      partitionsConsumedConcurrently: integerOption(
        'consumer.partitionsConsumedConcurrently',
        c.partitionsConsumedConcurrently,
        4,
        { min: 1 },
      ),
      maxBytesPerPartition: integerOption(
        'consumer.maxBytesPerPartition',
        c.maxBytesPerPartition,
        1_048_576,
        { min: 1 },
      ),
    },
    transactions: {
      idPrefix,
      timeoutMs: integerOption('transactions.timeoutMs', x.timeoutMs, 30_000, { min: 1 }),
      maxBatchSize: integerOption('transactions.maxBatchSize', x.maxBatchSize, 2_000, { min: 1 }),
    },
    maxMessageBytes: integerOption('maxMessageBytes', options.maxMessageBytes, 1_000_000, { min: 1 }),
    maxMessageBytesGiven: options.maxMessageBytes !== undefined,
    retryTopics: options.retryTopics ?? false,
    logger: options.logger ?? consoleLogger,
  };
}
