import { createBus, memoryTransport, silentLogger, type Bus } from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { redisIdempotencyStore, type RedisIdempotencyStore } from '@polybus/store-redis';
import { tcpProxy } from './tcp-proxy';

const target = new URL(process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379');
const unique = (): string => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

let proxy: Awaited<ReturnType<typeof tcpProxy>>;
const cleanup: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
});
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
  await proxy.close();
});

function setup(onUnavailable: 'fail-closed' | 'fail-open'): {
  bus: Bus;
  store: RedisIdempotencyStore;
  topic: string;
  seen: Map<string, number>;
} {
  const topic = `outage.${unique()}`;
  const store = redisIdempotencyStore({
    redis: proxy.url,
    prefix: `polybus-test:${topic}:`,
    onUnavailable,
    logger: silentLogger,
  });
  const bus = createBus({ transport: memoryTransport({ namespace: topic }), logger: silentLogger });
  const seen = new Map<string, number>();
  bus.bind(topic, async (message) => void seen.set(message.id, (seen.get(message.id) ?? 0) + 1), {
    group: 'g',
    guarantee: 'exactly-once',
    idempotency: store,
    retry: { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 200 },
    // a completion lost in the outage leaves a lock: let it expire within the test's patience
    idempotencyLockTtlMs: 5_000,
  });
  cleanup.push(
    () => store.close(),
    () => bus.stop(),
  );
  return { bus, store, topic, seen };
}

it('fail-closed: while Redis is unreachable nothing runs, nothing is lost; afterwards each message runs once', async () => {
  const { bus, topic, seen } = setup('fail-closed');
  await bus.start();
  await proxy.down();
  const ids: string[] = [];
  for (let n = 0; n < 20; n++) ids.push((await bus.publish(topic, { n })).id);
  // every message met the outage at least twice (more than maxAttempts would allow for a handler error)
  await waitFor(
    async () => {
      const c = (await bus.health()).bindings[0].counters;
      return c.retried + c.redelivered >= 60;
    },
    { timeoutMs: 30_000, description: 'every message met the outage' },
  );
  expect(seen.size).toBe(0);
  const during = (await bus.health()).bindings[0].counters;
  expect(during.deadLettered).toBe(0);
  expect(during.failOpen).toBe(0);

  await proxy.up();
  await waitFor(() => ids.every((id) => seen.has(id)), {
    timeoutMs: 30_000,
    description: 'all processed after recovery',
  });
  for (const id of ids) await bus.publish(topic, { again: true }, { id }); // duplicates after recovery
  await waitFor(async () => (await bus.health()).bindings[0].counters.duplicates >= ids.length, {
    timeoutMs: 30_000,
    description: 'the republished ids were all turned away as duplicates',
  });
  expect([...seen.values()].every((n) => n === 1)).toBe(true);
  expect(seen.size).toBe(20);
});

it('fail-open: while Redis is unreachable the handler runs unchecked and is counted', async () => {
  const { bus, topic, seen } = setup('fail-open');
  await bus.start();
  await proxy.down();
  const ids: string[] = [];
  for (let n = 0; n < 10; n++) ids.push((await bus.publish(topic, { n })).id);
  await waitFor(() => ids.every((id) => seen.has(id)), { timeoutMs: 30_000 });
  const counters = (await bus.health()).bindings[0].counters;
  expect(counters.failOpen).toBe(10);
  expect(counters.processed).toBe(10);
});
