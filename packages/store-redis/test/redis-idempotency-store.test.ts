import { createServer, type AddressInfo } from 'node:net';
import Redis from 'ioredis';
import { ConfigurationError, silentLogger, type TransportMessage } from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { OutputsTooLargeError, redisIdempotencyStore } from '@polybus/store-redis';

const REDIS_URL = process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const unique = (): string => `t-${Date.now()}-${Math.random().toString(36).slice(2)}`;

describe('redisIdempotencyStore on a real Redis', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = `polybus-test:${unique()}:`;
  const store = redisIdempotencyStore({ redis, prefix, ttlSeconds: 60, logger: silentLogger });

  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('acquires a new key, reports it locked to another owner, and completed after complete', async () => {
    const key = `billing:${unique()}`;
    expect(await store.acquire(key, 'a', 10_000)).toBe('acquired');
    expect(await redis.get(prefix + key)).toBe('processing:a');
    expect(await store.acquire(key, 'b', 10_000)).toBe('locked');
    await store.complete(key, 'a');
    expect(await redis.get(prefix + key)).toBe('completed');
    expect(await store.acquire(key, 'b', 10_000)).toBe('completed');
  });

  it('keeps a completed mark for ttlSeconds and the lock for the longer of both lock TTLs', async () => {
    const key = unique();
    const floor = redisIdempotencyStore({ redis, prefix, lockTtlMs: 50_000, logger: silentLogger });
    await floor.acquire(key, 'a', 1_000);
    expect(await redis.pttl(prefix + key)).toBeGreaterThan(40_000);
    await floor.complete(key, 'a');
    const ttl = await redis.ttl(prefix + key);
    expect(ttl).toBeGreaterThan(86_000);
    expect(ttl).toBeLessThanOrEqual(86_400);
  });

  it('lets another owner take a lock left by a crashed processor once it expires', async () => {
    const key = unique();
    expect(await store.acquire(key, 'crashed', 100)).toBe('acquired');
    await waitFor(async () => (await redis.exists(prefix + key)) === 0);
    expect(await store.acquire(key, 'next', 10_000)).toBe('acquired');
  });

  it('release deletes only its own lock, never a completion or another owner lock', async () => {
    const key = unique();
    await store.acquire(key, 'a', 10_000);
    await store.release(key, 'b');
    expect(await redis.get(prefix + key)).toBe('processing:a');
    await store.release(key, 'a');
    expect(await redis.exists(prefix + key)).toBe(0);
    await store.acquire(key, 'c', 10_000);
    await store.complete(key, 'c');
    await store.release(key, 'c');
    expect(await redis.get(prefix + key)).toBe('completed');
  });

  it('records completion even when the lock expired meanwhile, and warns', async () => {
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => void warnings.push(m) };
    const s = redisIdempotencyStore({ redis, prefix, logger });
    const key = unique();
    await s.acquire(key, 'slow', 50);
    await waitFor(async () => (await redis.exists(prefix + key)) === 0);
    await s.acquire(key, 'other', 10_000);
    await s.complete(key, 'slow');
    // the other owner's release must not erase the completion the slow owner recorded
    await s.release(key, 'other');
    expect(await s.acquire(key, 'third', 10_000)).toBe('completed');
    expect(warnings).toHaveLength(1);
  });

  it('keeps the outputs with the completion until dispatched, restoring each message exactly', async () => {
    const key = unique();
    const outputs: TransportMessage[] = [
      {
        id: 'o-1',
        topic: 'invoices',
        key: 'c-7',
        headers: { 'content-type': 'application/json', a: 'b' },
        payload: '{"invoice":"i-1"}',
        timestamp: 1_700_000_000_000,
      },
      {
        id: 'o-2',
        topic: 'audit',
        headers: {},
        payload: Buffer.from([0, 255, 1, 128]),
        timestamp: 1_700_000_000_001,
      },
    ];
    await store.acquire(key, 'a', 10_000);
    await store.complete(key, 'a', outputs);
    expect(await store.acquire(key, 'b', 10_000)).toBe('completed');
    const kept = await store.outputs(key);
    expect(kept).toEqual(outputs);
    expect(Buffer.isBuffer(kept[1].payload)).toBe(true);
    expect(typeof kept[0].payload).toBe('string');
    const ttl = await redis.ttl(prefix + key);
    await store.dispatched(key);
    expect(await store.outputs(key)).toEqual([]);
    expect(await redis.get(prefix + key)).toBe('completed');
    expect(await redis.ttl(prefix + key)).toBeGreaterThanOrEqual(ttl - 1); // the mark keeps its TTL
    expect(await store.acquire(key, 'c', 10_000)).toBe('completed');
    await store.dispatched(unique()); // nothing there: no-op
  });

  it('records the completion without outputs over maxOutputBytes and says so', async () => {
    const small = redisIdempotencyStore({ redis, prefix, maxOutputBytes: 100, logger: silentLogger });
    const key = unique();
    await small.acquire(key, 'a', 10_000);
    const big: TransportMessage = {
      id: 'x',
      topic: 't',
      headers: {},
      payload: 'x'.repeat(200),
      timestamp: 1,
    };
    const error = await small.complete(key, 'a', [big]).catch((e: unknown) => e);
    expect(OutputsTooLargeError.is(error)).toBe(true);
    expect(await small.acquire(key, 'b', 10_000)).toBe('completed');
    expect(await small.outputs(key)).toEqual([]);
  });

  it('reads a completion written by an earlier version (completed:<result>) as one without outputs', async () => {
    const key = unique();
    await redis.set(prefix + key, 'completed:{"invoice":"i-1"}', 'EX', 60);
    expect(await store.acquire(key, 'a', 10_000)).toBe('completed');
    expect(await store.outputs(key)).toEqual([]);
  });

  it('gives a key to exactly one of many concurrent owners', async () => {
    const key = unique();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.acquire(key, `owner-${i}`, 10_000)),
    );
    expect(results.filter((r) => r === 'acquired')).toHaveLength(1);
    expect(results.filter((r) => r === 'locked')).toHaveLength(49);
  });

  it('reloads its scripts after SCRIPT FLUSH', async () => {
    await redis.script('FLUSH');
    expect(await store.acquire(unique(), 'a', 1_000)).toBe('acquired');
  });
});

describe('redisIdempotencyStore with Redis unreachable', () => {
  // A port nothing listens on: taken from the OS and given back, not a fixed number another
  // process (a scratch Redis) may be using.
  let CLOSED_URL = '';
  beforeAll(async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    CLOSED_URL = `redis://127.0.0.1:${port}`;
  });

  it('rejects every call instead of hanging (store made from a URL)', async () => {
    const store = redisIdempotencyStore({ redis: CLOSED_URL, logger: silentLogger });
    await expect(store.acquire('g:k', 'a', 1_000)).rejects.toThrow();
    await expect(store.complete('g:k', 'a')).rejects.toThrow();
    await expect(store.release('g:k', 'a')).rejects.toThrow();
    expect(store.onUnavailable).toBe('fail-closed');
    await store.close();
  });

  it('rejects after operationTimeoutMs with a shared client that queues commands offline', async () => {
    const client = new Redis(CLOSED_URL, { maxRetriesPerRequest: null, lazyConnect: true });
    client.on('error', () => undefined);
    const store = redisIdempotencyStore({
      redis: client,
      operationTimeoutMs: 200,
      onUnavailable: 'fail-open',
    });
    await expect(store.acquire('g:k', 'a', 1_000)).rejects.toThrow(/timed out after 200 ms/);
    expect(store.onUnavailable).toBe('fail-open');
    client.disconnect();
  });
});

describe('redisIdempotencyStore close', () => {
  it('quits the client it made from a URL, once, and leaves a client passed in open', async () => {
    const own = redisIdempotencyStore({ redis: REDIS_URL, logger: silentLogger });
    expect(await own.acquire(unique(), 'a', 1_000)).toBe('acquired');
    await Promise.all([own.close(), own.close()]);
    await own.close();
    await expect(own.acquire(unique(), 'a', 1_000)).rejects.toThrow();

    const client = new Redis(REDIS_URL);
    const shared = redisIdempotencyStore({ redis: client, logger: silentLogger });
    await shared.acquire(unique(), 'a', 1_000);
    await shared.close();
    expect(client.status).toBe('ready');
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });
});

describe('redisIdempotencyStore options', () => {
  it.each([
    [{ redis: 'http://x' }, 'redis'],
    [{ redis: {} }, 'redis'],
    [{ redis: REDIS_URL, ttlSeconds: 0 }, 'ttlSeconds'],
    [{ redis: REDIS_URL, lockTtlMs: -1 }, 'lockTtlMs'],
    [{ redis: REDIS_URL, onUnavailable: 'maybe' }, 'onUnavailable'],
    [{ redis: REDIS_URL, operationTimeoutMs: 1.5 }, 'operationTimeoutMs'],
    [{ redis: REDIS_URL, maxOutputBytes: 0 }, 'maxOutputBytes'],
    [{ redis: REDIS_URL, maxResultBytes: 1_024 }, 'maxResultBytes'],
  ])('refuses %j naming the field', (options, field) => {
    try {
      redisIdempotencyStore(options as never);
      throw new Error('accepted');
    } catch (error) {
      expect(ConfigurationError.is(error)).toBe(true);
      expect((error as ConfigurationError).field).toBe(field);
    }
  });
});
