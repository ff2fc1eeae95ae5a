import type { AcquireResult, IdempotencyStore, TransportMessage } from '@polybus/core';
import { ConfigurationError } from '@polybus/core';
import { resolveRedisOptions, type RedisIdempotencyStoreOptions } from './options';
import { decodeOutputs, encodeOutputs } from './outputs-codec';
import { OutputsTooLargeError } from './outputs-too-large-error';
import { ACQUIRE, COMPLETE, DISPATCHED, RELEASE, runScript } from './scripts';
import { withTimeout } from './with-timeout';

/**
 * An idempotency store on Redis. `acquire` takes `processing:<owner>` with a lock TTL, `complete`
 * turns it into `completed` kept for `ttlSeconds` together with the handler's outputs (one key, one
 * atomic script), `dispatched` drops the outputs and keeps the mark, `release` deletes the lock only
 * while still owned. Every call either answers within `operationTimeoutMs` or rejects; the engine
 * turns a rejection into `IdempotencyStoreUnavailableError` and applies `onUnavailable`.
 */
export interface RedisIdempotencyStore extends IdempotencyStore {
  readonly onUnavailable: 'fail-closed' | 'fail-open';
  /**
   * As `IdempotencyStore.complete`. Outputs over `maxOutputBytes` (as JSON) are not kept: the mark
   * is recorded and the call rejects with `OutputsTooLargeError`.
   */
  complete(key: string, owner: string, outputs?: readonly TransportMessage[]): Promise<void>;
  outputs(key: string): Promise<readonly TransportMessage[]>;
  dispatched(key: string): Promise<void>;
  /** Closes the client when the store created it from a URL; a client passed in is left open. Idempotent. */
  close(): Promise<void>;
}

const COMPLETED = 'completed';
const NONE: readonly TransportMessage[] = [];

export function redisIdempotencyStore(options: RedisIdempotencyStoreOptions): RedisIdempotencyStore {
  const o = resolveRedisOptions(options);
  const { redis, prefix } = o;
  // A client we made is ours to watch: without a listener ioredis prints every reconnect failure.
  if (o.ownsClient)
    redis.on('error', (error: Error) => o.logger.debug('redis idempotency store', { error: error.message }));
  const call = <T>(what: string, work: Promise<T>): Promise<T> =>
    withTimeout(work, o.operationTimeoutMs, what);
  let closed: Promise<void> | undefined;

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

    async complete(key, owner, outputs) {
      const json = outputs && outputs.length > 0 ? encodeOutputs(outputs) : undefined;
      const bytes = json === undefined ? 0 : Buffer.byteLength(json);
      const kept = json !== undefined && bytes <= o.maxOutputBytes;
      const value = kept ? `${COMPLETED}\n${json}` : COMPLETED;
      const owned = await call(
        'complete',
        runScript(redis, COMPLETE, prefix + key, [owner, value, o.ttlSeconds]),
      );
      if (Number(owned) !== 1)
        o.logger.warn(
          'idempotency lock expired before completion; raise idempotencyLockTtlMs above the handler time',
          { key, owner },
        );
      if (json !== undefined && !kept) throw new OutputsTooLargeError(key, bytes, o.maxOutputBytes);
    },

    async outputs(key) {
      const value = await call('get', redis.get(prefix + key));
      // `completed:<result>` from versions before outputs were kept is a completion without outputs.
      if (value === null || !value.startsWith(`${COMPLETED}\n`)) return NONE;
      return decodeOutputs(value.slice(COMPLETED.length + 1));
    },

    async dispatched(key) {
      await call('dispatched', runScript(redis, DISPATCHED, prefix + key, []));
    },

    async release(key, owner) {
      await call('release', runScript(redis, RELEASE, prefix + key, [owner]));
    },

    close() {
      closed ??= o.ownsClient
        ? redis.quit().then(
            () => undefined,
            () => redis.disconnect(),
          )
        : Promise.resolve();
      return closed;
    },
  };
}
