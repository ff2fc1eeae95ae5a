import Redis from 'ioredis';
import { silentLogger, type BatchEntry } from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { inboxClient, postgresInbox, postgresOutbox } from '@polybus/store-postgres';
import { createEffects, effectCounts, REDIS_URL, suffix, testDatabase } from './pg-helpers';
import { exited, spawnWorker } from './workers/spawn-worker';

const db = testDatabase();
const outbox = postgresOutbox({ pool: db.pool, prefix: db.prefix, logger: silentLogger });
const inbox = postgresInbox({ pool: db.pool, prefix: db.prefix });
const redis = new Redis(REDIS_URL);
const list = `polybus-test:relay-sink:${suffix()}`;

beforeAll(() => inbox.migrate().then(() => outbox.migrate()));
afterAll(async () => {
  await redis.del(list);
  redis.disconnect();
  await db.drop();
});

it('a relay SIGKILLed mid-batch: every row published at least once, applied once through an inbox', async () => {
  const total = 300;
  const client = await db.pool.connect();
  await client.query('BEGIN');
  const ids: string[] = [];
  for (let n = 0; n < total; n++)
    ids.push((await outbox.publish(client, 'orders', { n }, { key: `k${n % 7}` })).id);
  await client.query('COMMIT');
  client.release();

  const worker = spawnWorker('relay-worker.ts', [db.prefix, list]);
  // batches are 50 rows: at 75 the worker is half-way through its second batch, which is not committed
  await waitFor(async () => (await redis.llen(list)) >= 75, {
    timeoutMs: 30_000,
    description: 'worker relay progress',
  });
  worker.kill('SIGKILL');
  expect(await exited(worker)).toBe('SIGKILL');

  const sink = {
    async publishBatch(entries: readonly BatchEntry[]) {
      await redis.rpush(list, ...entries.map((e) => e.id!));
      return entries.map((e) => ({ id: e.id!, topic: e.topic }));
    },
  };
  const relay = outbox.relay(sink, { pollMs: 20 });
  await waitFor(async () => (await outbox.pending()) === 0, { timeoutMs: 30_000 });
  await relay.stop();

  const received = await redis.lrange(list, 0, -1);
  expect(new Set(received)).toEqual(new Set(ids)); // none lost
  expect(received.length).toBeGreaterThan(total); // the killed batch was published again

  // downstream consumer with an inbox: every delivery (duplicates included) goes through it
  const effects = await createEffects(db.pool, db.prefix);
  for (const id of received)
    await inbox.process(`consumer:${id}`, async (scope) => {
      await inboxClient(scope).query(`INSERT INTO ${effects} (message_id) VALUES ($1)`, [id]);
    });
  expect(await effectCounts(db.pool, effects)).toEqual({ rows: total, distinct: total });
});
