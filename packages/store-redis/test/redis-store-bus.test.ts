import Redis from 'ioredis';
import { createBus, memoryTransport, silentLogger, type Bus } from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { redisIdempotencyStore } from '@polybus/store-redis';

const REDIS_URL = process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const unique = (): string => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
const redis = new Redis(REDIS_URL);
const buses: Bus[] = [];
afterAll(async () => {
  await Promise.all(buses.map((b) => b.stop()));
  redis.disconnect();
});

it('two consumers handed the same messages at the same time apply each effect once', async () => {
  const topic = `redis-store.${unique()}`;
  const store = redisIdempotencyStore({ redis, prefix: `polybus-test:${topic}:`, logger: silentLogger });
  const effects = new Map<string, number>();
  const consumer = (): Bus => {
    // half the deliveries (twins included) are handed out again at once: the copies race through the store
    const bus = createBus({
      transport: memoryTransport({ namespace: topic, faults: { duplicateDeliveryRate: 0.5 } }),
      logger: silentLogger,
    });
    bus.bind(
      topic,
      async (message) => {
        await new Promise((r) => setTimeout(r, 5)); // long enough for the twin to arrive while we hold the lock
        effects.set(message.id, (effects.get(message.id) ?? 0) + 1);
      },
      {
        group: 'g',
        guarantee: 'exactly-once',
        idempotency: store,
        concurrency: 4,
        retry: { maxAttempts: 5, initialDelayMs: 20 },
      },
    );
    buses.push(bus);
    return bus;
  };
  const a = consumer();
  const b = consumer();
  await Promise.all([a.start(), b.start()]);
  const ids: string[] = [];
  for (let n = 0; n < 100; n++) ids.push((await a.publish(topic, { n })).id);
  await waitFor(() => ids.every((id) => effects.has(id)), { timeoutMs: 30_000, description: 'all applied' });
  await waitFor(
    async () => {
      const c = await Promise.all([a, b].map(async (bus) => (await bus.health()).bindings[0].counters));
      return c[0].duplicates + c[1].duplicates >= 50; // the twins were turned away (about 100 expected)
    },
    { timeoutMs: 30_000, description: 'twins counted as duplicates' },
  );
  expect([...effects.values()].every((n) => n === 1)).toBe(true);
  expect(effects.size).toBe(100);
});

it('bus.stop() closes a store made from a URL, so the process can exit', async () => {
  const topic = `redis-store.${unique()}`;
  const store = redisIdempotencyStore({
    redis: REDIS_URL,
    prefix: `polybus-test:${topic}:`,
    logger: silentLogger,
  });
  const bus = createBus({ transport: memoryTransport({ namespace: topic }), logger: silentLogger });
  const seen: string[] = [];
  bus.bind(topic, async (message) => void seen.push(message.id), {
    group: 'g',
    guarantee: 'exactly-once',
    idempotency: store,
  });
  await bus.start();
  const { id } = await bus.publish(topic, { n: 1 });
  await waitFor(() => seen.includes(id), { timeoutMs: 10_000 });
  await bus.stop();
  // the store's own client was quit by bus.stop(): nothing keeps the event loop alive
  await expect(store.acquire('g:k', 'a', 1_000)).rejects.toThrow();
});
