import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ConfigurationError, consoleLogger, type Logger } from '@polybus/core';
import { integerOption, optionNames, rejectUnknownOptions } from '@polybus/core/transport';
import type { Redis } from 'ioredis';

/** Options of `redisStreamsTransport`. Exactly one of `url` and `redis` is required. */
export interface RedisStreamsOptions {
  /** `redis://[user:pass@]host:port[/db]` or `rediss://` (TLS). The transport owns these connections. */
  readonly url?: string;
  /**
   * A client you own. Blocking reads run on `redis.duplicate()` connections; `close()` quits the
   * duplicates but leaves this client open.
   */
  readonly redis?: Redis;
  /**
   * Approximate cap on each stream's length (`XADD MAXLEN ~ n`). Trimming removes the oldest
   * entries whether or not every group has read them: it can drop unread messages. Default: none.
   */
  readonly maxLen?: number;
  /**
   * An entry pending this long (ms) on a consumer that no longer refreshes it is claimed by another
   * member (`XAUTOCLAIM`): this is the crash-recovery delay. Default 30 000.
   */
  readonly claimIdleMs?: number;
  /** How often (ms) each subscription looks for claimable entries. Default: claimIdleMs / 2. */
  readonly claimIntervalMs?: number;
  /** `XREADGROUP ... BLOCK` duration (ms); bounds how long one read waits. Default 2 000. */
  readonly blockMs?: number;
  /** Most entries fetched per read. Default 100 (also bounded by the binding's free concurrency). */
  readonly batchSize?: number;
  /**
   * This process's consumer name inside each group. Default `<host>-<pid>-<random>`, unique per
   * transport. A fixed name lets a restarted process keep its identity.
   */
  readonly consumerName?: string;
  /**
   * A consumer owning no pending entries and idle this long (ms) is removed from the group
   * (`XGROUP DELCONSUMER`). Default 3 600 000 (one hour).
   */
  readonly staleConsumerMs?: number;
  /** Attempts of an at-least-once publish on connection errors before `PublishError`. Default 3. */
  readonly publishAttempts?: number;
  /**
   * How long an at-least-once publish waits for Redis's replies, retries included, before
   * `PublishError` (ioredis would otherwise queue it for as long as Redis does not answer). Default 10 s.
   */
  readonly publishTimeoutMs?: number;
  /** How long `connect()` (the bus's start) waits for Redis to answer before `ConnectionError`. Default 10 s. */
  readonly connectTimeoutMs?: number;
  readonly logger?: Logger;
}

export interface ResolvedOptions {
  readonly url?: string;
  readonly redis?: Redis;
  readonly maxLen?: number;
  readonly claimIdleMs: number;
  readonly claimIntervalMs: number;
  readonly blockMs: number;
  readonly batchSize: number;
  readonly consumerName: string;
  readonly staleConsumerMs: number;
  readonly publishAttempts: number;
  readonly publishTimeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly logger: Logger;
}

/** Every option name, checked by the compiler against the interface: a misspelt one is refused. */
const KNOWN = optionNames<RedisStreamsOptions>({
  url: true,
  redis: true,
  maxLen: true,
  claimIdleMs: true,
  claimIntervalMs: true,
  blockMs: true,
  batchSize: true,
  consumerName: true,
  staleConsumerMs: true,
  publishAttempts: true,
  publishTimeoutMs: true,
  connectTimeoutMs: true,
  logger: true,
});

/** Validates at construction so a bad option fails where it was written, not at first use. */
export function resolveOptions(options: RedisStreamsOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('options', 'an options object is required');
  }
  rejectUnknownOptions(options, KNOWN);
  if ((options.url === undefined) === (options.redis === undefined)) {
    throw new ConfigurationError('url', 'give exactly one of `url` and `redis`');
  }
  if (options.url !== undefined && !/^rediss?:\/\//.test(options.url)) {
    throw new ConfigurationError('url', `must start with redis:// or rediss://, got '${options.url}'`);
  }
  if (options.maxLen !== undefined) integerOption('maxLen', options.maxLen, 0);
  const claimIdleMs = integerOption('claimIdleMs', options.claimIdleMs, 30_000, { min: 10 });
  const consumerName =
    options.consumerName ?? `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
  if (typeof consumerName !== 'string' || consumerName.length === 0) {
    throw new ConfigurationError('consumerName', 'must be a non-empty string');
  }
  return {
    url: options.url,
    redis: options.redis,
    maxLen: options.maxLen,
    claimIdleMs,
    claimIntervalMs: integerOption(
      'claimIntervalMs',
      options.claimIntervalMs,
      Math.max(5, Math.floor(claimIdleMs / 2)),
    ),
    blockMs: integerOption('blockMs', options.blockMs, 2_000),
    batchSize: integerOption('batchSize', options.batchSize, 100),
    consumerName,
    staleConsumerMs: integerOption('staleConsumerMs', options.staleConsumerMs, 3_600_000),
    publishAttempts: integerOption('publishAttempts', options.publishAttempts, 3),
    publishTimeoutMs: integerOption('publishTimeoutMs', options.publishTimeoutMs, 10_000),
    connectTimeoutMs: integerOption('connectTimeoutMs', options.connectTimeoutMs, 10_000),
    logger: options.logger ?? consoleLogger,
  };
}
