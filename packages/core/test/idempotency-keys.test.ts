/**
 * Issue 20, items 3 and 6, through the public API on the memory transport: the idempotency key
 * carries the topic, and bus.stop() closes the stores its bindings were given.
 */
import {
  createBus,
  memoryIdempotencyStore,
  memoryTransport,
  silentLogger,
  type IdempotencyStore,
} from '@polybus/core';
import { waitFor } from '@polybus/core/testing';

const namespace = () => `idem-keys-${Math.random()}`;

describe('idempotency keys and store ownership', () => {
  it('one group on two topics: the same idempotency key on both runs on both', async () => {
    const bus = createBus({ transport: memoryTransport({ namespace: namespace() }), logger: silentLogger });
    const store = memoryIdempotencyStore();
    const seen: string[] = [];
    for (const topic of ['orders', 'refunds'])
      bus.bind(topic, () => void seen.push(topic), {
        group: 'billing',
        guarantee: 'exactly-once',
        idempotency: store,
      });
    await bus.start();
    await bus.publish('orders', { id: 1 }, { idempotencyKey: 'o-1' });
    await bus.publish('refunds', { id: 1 }, { idempotencyKey: 'o-1' });
    await waitFor(() => seen.length === 2, { timeoutMs: 5_000 }).catch(() => undefined);
    const [stats] = [bus.stats()];
    await bus.stop();
    expect(seen.sort()).toEqual(['orders', 'refunds']);
    expect(stats.map((s) => s.counters.duplicates)).toEqual([0, 0]);
  });

  it('bus.stop() closes each store its bindings were given, once, after the transport', async () => {
    const events: string[] = [];
    const transport = memoryTransport({ namespace: namespace() });
    const close = transport.close.bind(transport);
    transport.close = async () => {
      events.push('transport closed');
      return close();
    };
    const base = memoryIdempotencyStore();
    const store: IdempotencyStore = {
      ...base,
      acquire: base.acquire,
      close: async () => void events.push('store closed'),
    };
    const other: IdempotencyStore = { ...base, close: async () => void events.push('other closed') };
    const bus = createBus({ transport, logger: silentLogger });
    bus.bind('a', () => undefined, { group: 'g', guarantee: 'exactly-once', idempotency: store });
    bus.bind('b', () => undefined, { group: 'g', guarantee: 'exactly-once', idempotency: store });
    bus.bind('c', () => undefined, { group: 'g', guarantee: 'exactly-once', idempotency: other });
    await bus.start();
    await bus.stop();
    await bus.stop();
    expect(events).toEqual(['transport closed', 'store closed', 'other closed']);
  });
});
