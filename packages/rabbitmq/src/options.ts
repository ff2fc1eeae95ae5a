import { ConfigurationError, consoleLogger, type Logger } from '@polybus/core';
import { integerOption, optionNames, rejectUnknownOptions } from '@polybus/core/transport';

/** Options of `rabbitmqTransport`. Only `url` is required. */
export interface RabbitmqTransportOptions {
  /** `amqp://user:pass@host:5672/vhost` or `amqps://...`. */
  url: string;
  /**
   * Upper bound of unacked messages per consumer channel. The effective prefetch of a binding is
   * its `concurrency`, capped by this value when set.
   */
  prefetch?: number;
  /** Type of the group queues and retry queues. Default 'classic'. */
  queueType?: 'classic' | 'quorum';
  /**
   * Quorum queues only: the broker dead-letters a message (to the binding's dead-letter topic,
   * without the Polybus envelope) after this many deliveries that were never settled, e.g. a
   * message that crashes the consumer process each time. Default: unset (unlimited).
   */
  deliveryLimit?: number;
  /**
   * Delay buckets of the TTL retry queues, ascending. A retry delay is rounded up to the next
   * bucket and capped at the last one. Default: 10 ms .. 1 h (see docs).
   */
  retryDelaysMs?: readonly number[];
  /** How long a publish waits for a connection during an outage before `PublishError`. Default 10 s. */
  publishTimeoutMs?: number;
  /** Reconnect backoff. Defaults: 100 ms, doubling, capped at 5 s, forever once connected. */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /**
   * How long `connect()` (the bus's start) waits for the broker to answer before `ConnectionError`,
   * retries included; bounds a broker that accepts the TCP connection and then says nothing. Default 10 s.
   */
  connectTimeoutMs?: number;
  /** Failed connection attempts at `connect()` before it gives up. Default 3. */
  connectRetries?: number;
  /** AMQP heartbeat in seconds; 0 disables. Default: the broker's suggestion. */
  heartbeatSeconds?: number;
  /** Shown in the broker's management UI and `rabbitmqctl list_connections`. Default 'polybus'. */
  connectionName?: string;
  logger?: Logger;
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [
  10, 25, 50, 100, 250, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  1_800_000, 3_600_000,
];

export interface ResolvedOptions {
  readonly url: string;
  readonly prefetch: number | undefined;
  readonly queueType: 'classic' | 'quorum';
  readonly deliveryLimit: number | undefined;
  readonly retryDelaysMs: readonly number[];
  readonly publishTimeoutMs: number;
  readonly reconnectInitialDelayMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly connectRetries: number;
  readonly connectTimeoutMs: number;
  readonly heartbeatSeconds: number | undefined;
  readonly connectionName: string;
  readonly logger: Logger;
}

/** Every option name, checked by the compiler against the interface: a misspelt one is refused. */
const KNOWN = optionNames<RabbitmqTransportOptions>({
  url: true,
  prefetch: true,
  queueType: true,
  deliveryLimit: true,
  retryDelaysMs: true,
  publishTimeoutMs: true,
  reconnect: true,
  connectRetries: true,
  connectTimeoutMs: true,
  heartbeatSeconds: true,
  connectionName: true,
  logger: true,
});
const KNOWN_RECONNECT = new Set(['initialDelayMs', 'maxDelayMs']);

/** Validates at construction so a bad option fails where it was written, naming the field. */
export function resolveOptions(options: RabbitmqTransportOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null)
    throw new ConfigurationError('options', 'must be an object');
  rejectUnknownOptions(options, KNOWN);
  if (options.reconnect !== undefined) rejectUnknownOptions(options.reconnect, KNOWN_RECONNECT, 'reconnect.');
  if (typeof options.url !== 'string' || !/^amqps?:\/\//.test(options.url))
    throw new ConfigurationError('url', `must be an amqp:// or amqps:// URL, got '${String(options.url)}'`);
  const queueType = options.queueType ?? 'classic';
  if (queueType !== 'classic' && queueType !== 'quorum')
    throw new ConfigurationError('queueType', `must be 'classic' or 'quorum', got '${String(queueType)}'`);
  const deliveryLimit = integerOption('deliveryLimit', options.deliveryLimit, undefined);
  if (deliveryLimit !== undefined && queueType !== 'quorum')
    throw new ConfigurationError(
      'deliveryLimit',
      "needs queueType 'quorum' (classic queues count no deliveries)",
    );
  const retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  if (
    !Array.isArray(retryDelaysMs) ||
    retryDelaysMs.length === 0 ||
    retryDelaysMs.some((d, i) => !Number.isInteger(d) || d < 1 || (i > 0 && d <= retryDelaysMs[i - 1]))
  )
    throw new ConfigurationError('retryDelaysMs', 'must be a non-empty ascending list of positive integers');
  const initial = integerOption('reconnect.initialDelayMs', options.reconnect?.initialDelayMs, 100);
  const max = integerOption('reconnect.maxDelayMs', options.reconnect?.maxDelayMs, 5_000);
  if (max < initial)
    throw new ConfigurationError('reconnect.maxDelayMs', 'must be >= reconnect.initialDelayMs');
  return {
    url: options.url,
    prefetch: integerOption('prefetch', options.prefetch, undefined),
    queueType,
    deliveryLimit,
    retryDelaysMs,
    publishTimeoutMs: integerOption('publishTimeoutMs', options.publishTimeoutMs, 10_000),
    reconnectInitialDelayMs: initial,
    reconnectMaxDelayMs: max,
    connectRetries: integerOption('connectRetries', options.connectRetries, 3, { min: 0 }),
    connectTimeoutMs: integerOption('connectTimeoutMs', options.connectTimeoutMs, 10_000),
    heartbeatSeconds: integerOption('heartbeatSeconds', options.heartbeatSeconds, undefined, { min: 0 }),
    connectionName: options.connectionName ?? 'polybus',
    logger: options.logger ?? consoleLogger,
  };
}
