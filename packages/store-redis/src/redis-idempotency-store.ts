import type { AcquireResult, IdempotencyStore } from '@polybus/core';
import { ConfigurationError } from '@polybus/core';
import { resolveRedisOptions, type RedisIdempotencyStoreOptions } from './options';
import { ACQUIRE, COMPLETE, RELEASE, runScript } from './scripts';
import { withTimeout } from './with-timeout';

/**
 * An idempotency store on Redis. `acquire` takes `processing:<owner>` with a lock TTL, `complete`
 * turns it into `completed` kept for `ttlSeconds`, `release` deletes it only while still owned.
 * Every call either answers within `operationTimeoutMs` or rejects; the engine turns a rejection
 * into `IdempotencyStoreUnavailableError` and applies `onUnavailable`.
 */
export interface RedisIdempotencyStore extends IdempotencyStore {
  readonly onUnavailable: 'fail-closed' | 'fail-open';
  /** As `IdempotencyStore.complete`; `result` (at most `maxResultBytes`) is kept with the mark. */
  complete(key: string, owner: string, result?: string): Promise<void>;
  /** The result stored by `complete`: undefined when the key is not completed or none was stored. */
  result(key: string): Promise<string | undefined>;
  /** Closes the client when the store created it from a URL; a client passed in is left open. */
  close(): Promise<void>;
}

const COMPLETED = 'completed';

export function redisIdempotencyStore(options: RedisIdempotencyStoreOptions): RedisIdempotencyStore {
  const o = resolveRedisOptions(options);
  const { redis, prefix } = o;
  // A client we made is ours to watch: without a listener ioredis prints every reconnect failure.
  if (o.ownsClient)
    redis.on('error', (error: Error) => o.logger.debug('redis idempotency store', { error: error.message }));
  const call = <T>(what: string, work: Promise<T>): Promise<T> =>
    withTimeout(work, o.operationTimeoutMs, what);

  return {
    onUnavailable: o.onUnavailable,

    async acquire(key, owner, lockTtlMs): Promise<AcquireResult> {
      const ttl = Math.max(o.lockTtlMs, Math.floor(lockTtlMs) || 0);
      if (ttl <= 0) throw new ConfigurationError('lockTtlMs', 'acquire needs a positive lock TTL');
      let reply: unknown;
      try {
        reply = await call('acquire', runScript(redis, ACQUIRE, prefix + key, [owner, ttl]));
      } catch (error) {
        // A timed-out acquire may still reach Redis later (queued while reconnecting) and leave a
        // lock nobody owns, turning the message away until the lock expires. A release queued
        // behind it on the same connection removes that lock; it only ever matches this owner.
        runScript(redis, RELEASE, prefix + key, [owner]).catch(() => undefined);
        throw error;
      }
      const text = String(reply);
      if (text === 'acquired' || text === 'completed' || text === 'locked') return text;
      throw new Error(`unexpected reply from the acquire script: ${text}`);
    },

    async complete(key, owner, result) {
      if (result !== undefined && Buffer.byteLength(result) > o.maxResultBytes)
        throw new ConfigurationError(
          'result',
          `is ${Buffer.byteLength(result)} bytes, more than maxResultBytes (${o.maxResultBytes})`,
        );
      const value = result === undefined ? COMPLETED : `${COMPLETED}:${result}`;
      const owned = await call(
        'complete',
        runScript(redis, COMPLETE, prefix + key, [owner, value, o.ttlSeconds]),
      );
      if (Number(owned) !== 1)
        o.logger.warn(
          'idempotency lock expired before completion; raise idempotencyLockTtlMs above the handler time',
          {
            key,
            owner,
          },
        );
    },

    async release(key, owner) {
      await call('release', runScript(redis, RELEASE, prefix + key, [owner]));
    },

    async result(key) {
      const value = await call('get', redis.get(prefix + key));
      if (value === null || !value.startsWith(`${COMPLETED}:`)) return undefined;
      return value.slice(COMPLETED.length + 1);
    },

    async close() {
      if (o.ownsClient) redis.disconnect();
    },
  };
}
