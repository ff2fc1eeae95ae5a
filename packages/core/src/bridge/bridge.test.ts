import { randomUUID } from 'node:crypto';
import { bridge, type Bridge } from './bridge';
import { waitFor as pollUntil } from '../testing/wait-for';
import { createBus, type Bus } from '../bus';
import { ConfigurationError } from '../errors/configuration-error';
import { Headers } from '../headers';
import { silentLogger } from '../logger';
import { memoryIdempotencyStore } from '../memory/memory-idempotency-store';
import { memoryTransport, type MemoryTransport } from '../memory/memory-transport';
import { payloadBuffer, type TransportMessage } from '../message';
import type { Delivery, Subscription, Transport } from '../transport';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
});

const unique = (name: string): string => `${name}-${randomUUID().slice(0, 8)}`;

const waitFor = (check: () => boolean, what: string, timeoutMs = 15_000): Promise<unknown> =>
  pollUntil(check, { description: what, timeoutMs });

function rawMessage(topic: string, i: number, extra: Partial<TransportMessage> = {}): TransportMessage {
  return {
    id: `m-${i}-${randomUUID()}`,
    topic,
    key: `k-${i % 3}`,
    headers: { [Headers.contentType]: 'application/json', 'x-tenant': `t-${i}`, [Headers.attempt]: '4' },
    payload: Buffer.from(JSON.stringify({ i })),
    timestamp: 1_700_000_000_000 + i,
    ...extra,
  };
}

async function open(transport: MemoryTransport): Promise<MemoryTransport> {
  await transport.connect();
  cleanup.push(() => transport.close());
  return transport;
}

/** Collects every delivery of `topic` on `transport` (acking it), as a raw consumer would. */
async function collect(transport: Transport, topic: string, group = 'probe'): Promise<TransportMessage[]> {
  const seen: TransportMessage[] = [];
  const sub: Subscription = await transport.subscribe(
    {
      topic,
      group,
      guarantee: 'at-least-once',
      concurrency: 8,
      ordering: 'none',
      deadLetterTopic: false,
      maxAttempts: 5,
      idempotent: false,
    },
    async (d: Delivery) => {
      seen.push(d.message);
      await d.ack();
    },
  );
  cleanup.push(() => sub.close());
  return seen;
}

async function start(options: Parameters<typeof bridge>[0]): Promise<Bridge> {
  const b = await bridge({ logger: silentLogger, ...options });
  cleanup.push(() => b.stop());
  return b;
}

describe('bridge', () => {
  it('forwards id, key, headers, payload and timestamp unchanged, dropping only the old delivery count', async () => {
    const [oldNs, newNs, topic] = [unique('old'), unique('new'), unique('orders')];
    const producer = await open(memoryTransport({ namespace: oldNs }));
    const consumer = await open(memoryTransport({ namespace: newNs }));
    const seen = await collect(consumer, topic);
    const b = await start({
      from: memoryTransport({ namespace: oldNs }),
      to: memoryTransport({ namespace: newNs }),
      topics: [topic],
      group: 'bridge',
    });

    const sent = [0, 1, 2, 3].map((i) => rawMessage(topic, i));
    await producer.publish(sent, { guarantee: 'at-least-once' });
    await waitFor(() => seen.length === 4, '4 forwarded messages');

    const byId = new Map(seen.map((m) => [m.id, m]));
    for (const original of sent) {
      const copy = byId.get(original.id);
      expect(copy).toBeDefined();
      const { [Headers.attempt]: _dropped, ...keptHeaders } = original.headers;
      expect(copy!.key).toBe(original.key);
      expect(copy!.timestamp).toBe(original.timestamp);
      expect(payloadBuffer(copy!.payload).equals(payloadBuffer(original.payload))).toBe(true);
      expect(copy!.headers).toMatchObject(keptHeaders);
      expect(copy!.headers[Headers.attempt]).not.toBe('4');
    }
    await waitFor(() => b.stats.forwarded === 4, 'the bridge to count 4 forwards');
  });

  it('maps topic names and keeps per-key order', async () => {
    const [oldNs, newNs, topic] = [unique('old'), unique('new'), unique('orders')];
    const producer = await open(memoryTransport({ namespace: oldNs }));
    const seen = await collect(await open(memoryTransport({ namespace: newNs })), `v2.${topic}`);
    await start({
      from: memoryTransport({ namespace: oldNs }),
      to: memoryTransport({ namespace: newNs }),
      topics: [topic],
      group: 'bridge',
      mapTopic: (t) => `v2.${t}`,
    });
    for (let i = 0; i < 30; i++)
      await producer.publish([rawMessage(topic, i, { key: 'one-key' })], { guarantee: 'at-least-once' });
    await waitFor(() => seen.length === 30, '30 forwarded messages');
    expect(seen.map((m) => JSON.parse(m.payload.toString()).i)).toEqual([...Array(30).keys()]);
  });

  it('loses nothing when the new broker refuses publishes (at-least-once)', async () => {
    const [oldNs, newNs, topic] = [unique('old'), unique('new'), unique('orders')];
    const producer = await open(memoryTransport({ namespace: oldNs }));
    const seen = await collect(await open(memoryTransport({ namespace: newNs })), topic);
    const flaky = memoryTransport({ namespace: newNs, faults: { publishFailureRate: 0.4 }, seed: 7 });
    const b = await start({
      from: memoryTransport({ namespace: oldNs }),
      to: flaky,
      topics: [topic],
      group: 'bridge',
      initialDelayMs: 1,
      maxDelayMs: 5,
    });

    const sent = Array.from({ length: 200 }, (_, i) => rawMessage(topic, i));
    await producer.publish(sent, { guarantee: 'at-least-once' });
    await waitFor(() => new Set(seen.map((m) => m.id)).size === 200, 'all 200 ids on the new broker');

    const missing = sent.filter((m) => !seen.some((s) => s.id === m.id));
    expect(missing).toEqual([]);
    expect(b.stats.publishFailures).toBeGreaterThan(0);
    expect(b.stats.deadLettered).toBe(0);
  });

  it('with duplicate deliveries from the old broker, an idempotent consumer on the new one applies each message once', async () => {
    const [oldNs, newNs, topic] = [unique('old'), unique('new'), unique('orders')];
    const producer = await open(memoryTransport({ namespace: oldNs }));
    const raw = await collect(await open(memoryTransport({ namespace: newNs })), topic, 'raw');
    const applied = new Map<string, number>();
    const bus: Bus = createBus({ transport: memoryTransport({ namespace: newNs }), logger: silentLogger });
    bus.bind<{ i: number }>(topic, async (m) => void applied.set(m.id, (applied.get(m.id) ?? 0) + 1), {
      group: 'billing',
      guarantee: 'exactly-once',
      idempotency: memoryIdempotencyStore(),
    });
    await bus.start();
    cleanup.push(() => bus.stop());
    await start({
      from: memoryTransport({ namespace: oldNs, faults: { duplicateDeliveryRate: 0.3 }, seed: 11 }),
      to: memoryTransport({ namespace: newNs }),
      topics: [topic],
      group: 'bridge',
    });

    const sent = Array.from({ length: 100 }, (_, i) => rawMessage(topic, i));
    await producer.publish(sent, { guarantee: 'at-least-once' });
    await waitFor(() => applied.size === 100, '100 applied messages');
    await waitFor(() => raw.length > 100, 'the duplicates forwarded by the bridge');

    expect([...applied.values()].filter((n) => n !== 1)).toEqual([]);
    expect(raw.length).toBeGreaterThan(100);
  });

  it('dead-letters on the old broker what the new one can never take, without blocking its key', async () => {
    const [oldNs, newNs, topic] = [unique('old'), unique('new'), unique('orders')];
    const producer = await open(memoryTransport({ namespace: oldNs }));
    const dlq = await collect(producer, `${topic}.dlq`, 'ops');
    const seen = await collect(await open(memoryTransport({ namespace: newNs })), topic);
    const small = memoryTransport({ namespace: newNs });
    const to: Transport = { ...small, capabilities: { ...small.capabilities, maxMessageBytes: 300 } };
    const b = await start({
      from: memoryTransport({ namespace: oldNs }),
      to,
      topics: [topic],
      group: 'bridge',
    });

    const big = rawMessage(topic, 0, { key: 'k', payload: Buffer.alloc(1000, 0x61) });
    const next = rawMessage(topic, 1, { key: 'k' });
    await producer.publish([big, next], { guarantee: 'at-least-once' });
    await waitFor(() => seen.length === 1 && dlq.length === 1, 'one forwarded and one dead-lettered');

    expect(seen[0].id).toBe(next.id);
    expect(dlq[0].id).toBe(big.id);
    expect(dlq[0].headers).toMatchObject({
      [Headers.dlqReason]: 'permanent-error',
      [Headers.dlqSource]: topic,
      [Headers.dlqGroup]: 'bridge',
      'x-tenant': 't-0',
    });
    expect(b.stats.deadLettered).toBe(1);
  });

  it('dead-letters after maxAttempts failed publishes when asked to', async () => {
    const [oldNs, newNs, topic] = [unique('old'), unique('new'), unique('orders')];
    const producer = await open(memoryTransport({ namespace: oldNs }));
    const dlq = await collect(producer, `${topic}.parked`, 'ops');
    await start({
      from: memoryTransport({ namespace: oldNs }),
      to: memoryTransport({ namespace: newNs, faults: { publishFailureRate: 1 } }),
      topics: [topic],
      group: 'bridge',
      maxAttempts: 3,
      initialDelayMs: 1,
      deadLetter: (t) => `${t}.parked`,
    });
    await producer.publish([rawMessage(topic, 0)], { guarantee: 'at-least-once' });
    await waitFor(() => dlq.length === 1, 'the dead letter');
    expect(dlq[0].headers[Headers.dlqReason]).toBe('max-attempts');
    expect(dlq[0].headers[Headers.dlqAttempts]).toBe('3');
  });

  it('stops while retrying without acking: the message stays on the old broker', async () => {
    const [oldNs, newNs, topic] = [unique('old'), unique('new'), unique('orders')];
    const producer = await open(memoryTransport({ namespace: oldNs }));
    const down = memoryTransport({ namespace: newNs, faults: { publishFailureRate: 1 } });
    const b = await start({
      from: memoryTransport({ namespace: oldNs }),
      to: down,
      topics: [topic],
      group: 'bridge',
      // Stop must cut this wait short; the message is handed back with its backoff, as a retry.
      initialDelayMs: 2_000,
      maxDelayMs: 2_000,
    });
    const message = rawMessage(topic, 0);
    await producer.publish([message], { guarantee: 'at-least-once' });
    await waitFor(() => b.stats.publishFailures === 1, 'the first failed publish');

    await Promise.all([b.stop(), b.stop()]);
    const again = await collect(producer, topic, 'bridge');
    await waitFor(() => again.length === 1, 'the message redelivered to the next bridge member');
    expect(again[0].id).toBe(message.id);
    expect(b.stats.forwarded).toBe(0);
  });

  it('refuses bad options with a ConfigurationError naming the field', async () => {
    const t = memoryTransport({ namespace: unique('x') });
    const u = memoryTransport({ namespace: unique('y') });
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ from: {}, to: u, topics: ['a'], group: 'g' }, 'from'],
      [{ from: t, to: u, topics: [], group: 'g' }, 'topics'],
      [{ from: t, to: u, topics: ['a'], group: '' }, 'group'],
      [{ from: t, to: t, topics: ['a'], group: 'g' }, 'to'],
      [{ from: t, to: u, topics: ['a'], group: 'g', concurrency: 0 }, 'concurrency'],
      [{ from: t, to: u, topics: ['a'], group: 'g', maxAttempts: 1.5 }, 'maxAttempts'],
    ];
    for (const [options, field] of cases) {
      const error = await bridge(options as never).catch((e: unknown) => e);
      expect(ConfigurationError.is(error)).toBe(true);
      expect((error as ConfigurationError).field).toBe(field);
    }
  });
});
