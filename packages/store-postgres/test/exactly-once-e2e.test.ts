import {
  createBus,
  memoryTransport,
  silentLogger,
  type Bus,
  type Handler,
  type MemoryTransport,
} from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { inboxClient } from '@polybus/store-postgres';
import { brokerCases, transportFor, workerSpec, type BrokerCase } from './brokers';
import { handlerFailure } from './e2e-handler';
import { inboxFixture } from './inbox-fixture';
import { suffix } from './pg-helpers';
import { exited, spawnWorker } from './workers/spawn-worker';

// Exactly-once effects = at-least-once delivery + the postgres inbox. Under injected handler
// failures, duplicate publishes, broker-level duplicates and a consumer crash mid-run, the number
// of effect rows in PostgreSQL must equal the number of distinct messages published: no fewer
// (nothing lost), no more (nothing applied twice).

const fx = inboxFixture({ poolSize: 30, stopTimeoutMs: 10_000 });
const { db, inbox, buses } = fx;

const handler: Handler<{ n: number }> = async (message, ctx) => {
  await inboxClient(ctx).query(`INSERT INTO ${fx.effects} (message_id) VALUES ($1)`, [message.id]);
  if (handlerFailure(message.id, ctx.attempt)) throw new Error('injected handler failure'); // rolls the effect back
};
const bindOptions = {
  group: 'e2e',
  guarantee: 'exactly-once' as const,
  idempotency: inbox,
  concurrency: 8,
  retry: { maxAttempts: 20, initialDelayMs: 10, maxDelayMs: 200 },
};

async function counts(ids: string[]): Promise<{ rows: number; distinct: number }> {
  const { rows } = await db.pool.query<{ rows: string; distinct: string }>(
    `SELECT count(*) AS rows, count(DISTINCT message_id) AS distinct FROM ${fx.effects} WHERE message_id = ANY($1)`,
    [ids],
  );
  return { rows: Number(rows[0].rows), distinct: Number(rows[0].distinct) };
}

/** Publishes `total` messages in batches, and every tenth one a second time with the same id. */
async function publishAll(publisher: Bus, topic: string, total: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < total; start += 100) {
    const batch = Array.from({ length: Math.min(100, total - start) }, (_, i) => ({
      topic,
      body: { n: start + i },
      key: `k${(start + i) % 13}`,
    }));
    const receipts = await publisher.publishBatch(batch);
    ids.push(...receipts.map((r) => r.id));
    await publisher.publishBatch(
      receipts.filter((_, i) => i % 10 === 0).map((r, i) => ({ topic, body: { n: -i }, id: r.id })),
    );
  }
  return ids;
}

it('memory: thousands of messages, faults and a crashed consumer: effects = messages', async () => {
  const topic = `eo.e2e.${suffix()}`;
  const total = 3000;
  const faults = { duplicateDeliveryRate: 0.05, ackDropRate: 0.05 };
  const consumer = (seed: number): { bus: Bus; transport: MemoryTransport } => {
    const transport = memoryTransport({ namespace: topic, faults, seed, visibilityTimeoutMs: 1_000 });
    const bus = createBus({ transport, logger: silentLogger });
    bus.bind(topic, handler, bindOptions);
    buses.push(bus);
    return { bus, transport };
  };
  const a = consumer(1);
  const b = consumer(2);
  await Promise.all([a.bus.start(), b.bus.start()]);
  const publisher = createBus({ url: `memory://${topic}`, logger: silentLogger });
  buses.push(publisher);
  const ids = await publishAll(publisher, topic, total);
  await waitFor(async () => (await counts(ids)).distinct >= total / 4, { timeoutMs: 60_000 });
  a.transport.crash();
  await waitFor(async () => (await counts(ids)).distinct === total, {
    timeoutMs: 90_000,
    description: 'every message applied',
  });
  await b.bus.stop({ timeoutMs: 10_000 });
  expect(await counts(ids)).toEqual({ rows: total, distinct: total });
  const c = (await b.bus.health()).bindings[0].counters;
  expect(c.duplicates).toBeGreaterThan(0);
  expect(c.failed).toBeGreaterThan(0);
}, 180_000);

describe.each(brokerCases)(
  '$name: thousands of messages, faults and a SIGKILLed consumer',
  (broker: BrokerCase) => {
    it('effects counted in PostgreSQL = messages published', async () => {
      const topic = `eo.e2e.${suffix()}`;
      const total = 2000;
      const worker = spawnWorker('consumer-worker.ts', [
        ...workerSpec(broker),
        topic,
        bindOptions.group,
        db.prefix,
        'consume',
      ]);
      await waitFor(() => worker.output().includes('ready') || worker.exitCode !== null, {
        timeoutMs: 60_000,
      });
      expect(worker.output()).toContain('ready');
      const consumer = createBus({ transport: transportFor(broker), logger: silentLogger });
      consumer.bind(topic, handler, bindOptions);
      buses.push(consumer);
      await consumer.start();
      const publisher = createBus({ url: broker.url, logger: silentLogger }); // the URL path: createBus loads the adapter
      buses.push(publisher);
      const ids = await publishAll(publisher, topic, total);
      await waitFor(async () => (await counts(ids)).distinct >= total / 4, { timeoutMs: 90_000 });
      worker.kill('SIGKILL');
      expect(await exited(worker)).toBe('SIGKILL');
      await waitFor(async () => (await counts(ids)).distinct === total, {
        timeoutMs: 150_000,
        intervalMs: 200,
        description: 'every message applied',
      });
      await consumer.stop({ timeoutMs: 10_000 });
      expect(await counts(ids)).toEqual({ rows: total, distinct: total });
    }, 300_000);
  },
);
