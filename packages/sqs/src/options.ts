import type { SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError, consoleLogger, type Logger } from '@polybus/core';
import { integerOption, rejectUnknownOptions } from '@polybus/core/transport';
import type { FifoMode } from './queue-name';

export interface SqsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SqsTransportOptions {
  /** AWS region; when absent the SDK's own resolution applies (AWS_REGION, profile). */
  readonly region?: string;
  /** Endpoint URL, e.g. `http://127.0.0.1:9324` for ElasticMQ; absent = the region's AWS endpoint. */
  readonly endpoint?: string;
  /** Static credentials; absent = the SDK's default provider chain. */
  readonly credentials?: SqsCredentials;
  /** Bring your own client (region/endpoint/credentials are then ignored); not destroyed on close. */
  readonly client?: SQSClient;
  /** `by-name` (default): topics ending in `.fifo` are FIFO queues. `always`: every queue is FIFO. */
  readonly fifo?: FifoMode;
  /** FIFO MessageGroupId for messages without a key. Default `polybus-default` (one ordered group). */
  readonly defaultMessageGroupId?: string;
  /** Long-poll wait per ReceiveMessage, 0–20 s. Default 20 (fewest empty receives on AWS). */
  readonly waitTimeSeconds?: number;
  /** Visibility timeout set on every receive, 1–43200 s. Default 30. */
  readonly visibilityTimeoutSeconds?: number;
  /** How often held messages get their visibility extended. Default a third of the visibility timeout. */
  readonly heartbeatIntervalMs?: number;
  /** Concurrent ReceiveMessage loops per subscription. Default ceil(concurrency / 10), at most 10. */
  readonly pollers?: number;
  /** How long a partial SendMessageBatch waits for more messages. Default 5 ms. */
  readonly publishLingerMs?: number;
  /** How long a partial DeleteMessageBatch / ChangeMessageVisibilityBatch waits. Default 5 ms. */
  readonly ackLingerMs?: number;
  /** Size limit per message and per batch (body + attributes). Default 262144 (256 KiB). */
  readonly maxMessageBytes?: number;
  /** Create a missing queue on first use. Default true. */
  readonly autoCreateQueues?: boolean;
  /** Extra CreateQueue attributes (e.g. MessageRetentionPeriod, KmsMasterKeyId). */
  readonly queueAttributes?: Readonly<Record<string, string>>;
  /**
   * When set, queues created by `ensureTopics` get an SQS RedrivePolicy to their `.dlq` queue with
   * this maxReceiveCount: a safety net for messages that crash the consumer process itself. Keep it
   * above every binding's retry.maxAttempts, or SQS moves messages before Polybus dead-letters them.
   */
  readonly redriveMaxReceiveCount?: number;
  /**
   * How long a publish waits for SQS's answer, the SDK's retries included, before `PublishError`
   * (the request is aborted). Default 10 s.
   */
  readonly publishTimeoutMs?: number;
  /** How long `connect()` (the bus's start) waits for the endpoint to answer before `ConnectionError`. Default 10 s. */
  readonly connectTimeoutMs?: number;
  readonly logger?: Logger;
}

export type ResolvedSqsOptions = Required<
  Omit<
    SqsTransportOptions,
    'region' | 'endpoint' | 'credentials' | 'client' | 'pollers' | 'redriveMaxReceiveCount'
  >
> &
  Pick<
    SqsTransportOptions,
    'region' | 'endpoint' | 'credentials' | 'client' | 'pollers' | 'redriveMaxReceiveCount'
  >;

const KNOWN = new Set([
  'region',
  'endpoint',
  'credentials',
  'client',
  'fifo',
  'defaultMessageGroupId',
  'waitTimeSeconds',
  'visibilityTimeoutSeconds',
  'heartbeatIntervalMs',
  'pollers',
  'publishLingerMs',
  'ackLingerMs',
  'maxMessageBytes',
  'autoCreateQueues',
  'queueAttributes',
  'redriveMaxReceiveCount',
  'publishTimeoutMs',
  'connectTimeoutMs',
  'logger',
]);

function text(field: string, value: unknown): void {
  if (value !== undefined && (typeof value !== 'string' || value.length === 0))
    throw new ConfigurationError(field, 'must be a non-empty string');
}

/** Validates at construction, so a bad option fails where it is written rather than at first use. */
export function resolveOptions(options: SqsTransportOptions): ResolvedSqsOptions {
  if (typeof options !== 'object' || options === null)
    throw new ConfigurationError('options', 'must be an object');
  rejectUnknownOptions(options, KNOWN);
  text('region', options.region);
  text('endpoint', options.endpoint);
  if (options.endpoint !== undefined && !URL.canParse(options.endpoint))
    throw new ConfigurationError('endpoint', `'${options.endpoint}' is not a URL`);
  if (options.credentials !== undefined) {
    text('credentials.accessKeyId', options.credentials.accessKeyId ?? '');
    text('credentials.secretAccessKey', options.credentials.secretAccessKey ?? '');
  }
  if (options.fifo !== undefined && options.fifo !== 'by-name' && options.fifo !== 'always')
    throw new ConfigurationError('fifo', `must be 'by-name' or 'always', got ${String(options.fifo)}`);
  text('defaultMessageGroupId', options.defaultMessageGroupId);
  integerOption('waitTimeSeconds', options.waitTimeSeconds, undefined, { min: 0, max: 20 });
  integerOption('visibilityTimeoutSeconds', options.visibilityTimeoutSeconds, undefined, {
    min: 1,
    max: 43_200,
  });
  const visibility = options.visibilityTimeoutSeconds ?? 30;
  integerOption('heartbeatIntervalMs', options.heartbeatIntervalMs, undefined, {
    min: 100,
    max: visibility * 1000 - 1,
  });
  integerOption('pollers', options.pollers, undefined, { min: 1, max: 100 });
  integerOption('publishLingerMs', options.publishLingerMs, undefined, { min: 0, max: 1000 });
  integerOption('ackLingerMs', options.ackLingerMs, undefined, { min: 0, max: 1000 });
  integerOption('maxMessageBytes', options.maxMessageBytes, undefined, { min: 1024, max: 1_048_576 });
  integerOption('redriveMaxReceiveCount', options.redriveMaxReceiveCount, undefined, { min: 1, max: 1000 });
  integerOption('publishTimeoutMs', options.publishTimeoutMs, undefined);
  integerOption('connectTimeoutMs', options.connectTimeoutMs, undefined);
  if (options.autoCreateQueues !== undefined && typeof options.autoCreateQueues !== 'boolean')
    throw new ConfigurationError('autoCreateQueues', 'must be a boolean');
  return {
    ...options,
    fifo: options.fifo ?? 'by-name',
    defaultMessageGroupId: options.defaultMessageGroupId ?? 'polybus-default',
    waitTimeSeconds: options.waitTimeSeconds ?? 20,
    visibilityTimeoutSeconds: visibility,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? Math.floor((visibility * 1000) / 3),
    publishLingerMs: options.publishLingerMs ?? 5,
    ackLingerMs: options.ackLingerMs ?? 5,
    maxMessageBytes: options.maxMessageBytes ?? 262_144,
    autoCreateQueues: options.autoCreateQueues ?? true,
    queueAttributes: options.queueAttributes ?? {},
    publishTimeoutMs: options.publishTimeoutMs ?? 10_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    logger: options.logger ?? consoleLogger,
  };
}
