import Redis from 'ioredis';
import { ConfigurationError, consoleLogger, type Logger } from '@polybus/core';
import { integerOption } from '@polybus/core/transport';

export interface RedisIdempotencyStoreOptions {
  /**
   * An ioredis client, or a redis:// URL from which the store makes its own client, configured
   * to fail fast while Redis is down (no offline queue, no per-command retries).
   */
  redis: Redis | string;
  /** How long a completed mark is kept: a duplicate arriving later runs again. Default 86 400 (24 h). */
  ttlSeconds?: number;
  /**
   * Shortest processing lock. The engine passes each binding's `idempotencyLockTtlMs` to `acquire`;
   * the longer of the two wins, because a lock that is too short lets a duplicate run beside a slow
   * handler, while one that is too long only delays the takeover after a crash. Default: none.
   */
  lockTtlMs?: number;
  /** Prepended to every key. Default `polybus:idem:`. */
  prefix?: string;
  /** What the engine does while Redis cannot be reached. Default 'fail-closed'. */
  onUnavailable?: 'fail-closed' | 'fail-open';
  /** A call not answered within this many ms fails, so a down Redis never hangs a delivery. Default 2 000. */
  operationTimeoutMs?: number;
  /**
   * Largest outputs (the handler's `ctx.publish` messages, as JSON, Buffer payloads base64) kept with
   * a completion, in bytes. Larger outputs are still sent, but not kept for a resend after a crash.
   * Default 1 048 576 (1 MiB).
   */
  maxOutputBytes?: number;
  /** Warnings (lock lost before completion). Default: console warnings. */
  logger?: Logger;
}

export interface ResolvedRedisOptions {
  readonly redis: Redis;
  readonly ownsClient: boolean;
  readonly ttlSeconds: number;
  readonly lockTtlMs: number;
  readonly prefix: string;
  readonly onUnavailable: 'fail-closed' | 'fail-open';
  readonly operationTimeoutMs: number;
  readonly maxOutputBytes: number;
  readonly logger: Logger;
}

/** A client for a down Redis must error promptly instead of queueing commands until it returns. */
export function failFastClient(url: string, commandTimeoutMs: number): Redis {
  return new Redis(url, {
    // Commands may wait for the first connection, but each failed connection attempt fails them:
    // with Redis down a call errors within one reconnect cycle instead of queueing for the outage.
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: commandTimeoutMs,
    lazyConnect: false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
}

export function resolveRedisOptions(options: RedisIdempotencyStoreOptions): ResolvedRedisOptions {
  if (typeof options !== 'object' || options === null)
    throw new ConfigurationError('options', 'redisIdempotencyStore needs an options object');
  const operationTimeoutMs = integerOption('operationTimeoutMs', options.operationTimeoutMs, 2_000);
  const onUnavailable = options.onUnavailable ?? 'fail-closed';
  if (onUnavailable !== 'fail-closed' && onUnavailable !== 'fail-open')
    throw new ConfigurationError(
      'onUnavailable',
      `must be 'fail-closed' or 'fail-open', got ${String(onUnavailable)}`,
    );
  const prefix = options.prefix ?? 'polybus:idem:';
  if (typeof prefix !== 'string') throw new ConfigurationError('prefix', 'must be a string');
  const ttlSeconds = integerOption('ttlSeconds', options.ttlSeconds, 86_400);
  const lockTtlMs = options.lockTtlMs === undefined ? 0 : integerOption('lockTtlMs', options.lockTtlMs, 0);
  if ('maxResultBytes' in options)
    throw new ConfigurationError(
      'maxResultBytes',
      'was replaced by maxOutputBytes: the store keeps the outputs now',
    );
  const maxOutputBytes = integerOption('maxOutputBytes', options.maxOutputBytes, 1_048_576);
  // Validate everything before connecting: a refused options object must not leave a client open.
  let redis: Redis;
  let ownsClient = false;
  if (typeof options.redis === 'string') {
    if (!/^rediss?:\/\//.test(options.redis))
      throw new ConfigurationError(
        'redis',
        `must be an ioredis client or a redis:// URL, got '${options.redis}'`,
      );
    redis = failFastClient(options.redis, operationTimeoutMs);
    ownsClient = true;
  } else if (options.redis && typeof (options.redis as Redis).evalsha === 'function') {
    redis = options.redis;
  } else {
    throw new ConfigurationError('redis', 'must be an ioredis client or a redis:// URL');
  }
  return {
    redis,
    ownsClient,
    ttlSeconds,
    lockTtlMs,
    prefix,
    onUnavailable,
    operationTimeoutMs,
    maxOutputBytes,
    logger: options.logger ?? consoleLogger,
  };
}
