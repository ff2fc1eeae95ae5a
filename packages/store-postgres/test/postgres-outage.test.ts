import { Pool } from 'pg';
import { createBus, memoryTransport, silentLogger } from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { inboxClient, postgresInbox } from '@polybus/store-postgres';
import { tcpProxy } from '../../store-redis/test/tcp-proxy';
import { createEffects, PG_URL, suffix, testDatabase } from './pg-helpers';

const db = testDatabase();
afterAll(() => db.drop());

it('PostgreSQL unreachable: deliveries wait (fail-closed), nothing is lost, each applies once afterwards', async () => {
  const target = new URL(PG_URL);
  const proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const viaProxy = new URL(PG_URL);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  const pool = new Pool({ connectionString: viaProxy.href, max: 10, connectionTimeoutMillis: 1_000 });
  pool.on('error', () => undefined); // idle clients cut by the outage
  const inbox = postgresInbox({ pool, prefix: db.prefix });
  await inbox.migrate();
  const effects = await createEffects(db.pool, db.prefix);

  const topic = `pg-outage.${suffix()}`;
  const bus = createBus({ transport: memoryTransport({ namespace: topic }), logger: silentLogger });
  bus.bind(
    topic,
    async (message, ctx) => {
      await inboxClient(ctx).query(`INSERT INTO ${effects} (message_id) VALUES ($1)`, [message.id]);
    },
    {
      group: 'g',
      guarantee: 'exactly-once',
      idempotency: inbox,
      retry: { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 200 },
    },
  );
  await bus.start();
  await proxy.down();
  const ids: string[] = [];
  for (let n = 0; n < 10; n++) ids.push((await bus.publish(topic, { n })).id);
  await waitFor(
    async () => {
      const c = (await bus.health()).bindings[0].counters;
      return c.retried + c.redelivered >= 30; // every message met the outage several times, more than maxAttempts
    },
    { timeoutMs: 30_000 },
  );
  const during = (await bus.health()).bindings[0].counters;
  expect(during.processed).toBe(0);
  expect(during.deadLettered).toBe(0);

  await proxy.up();
  const count = async (): Promise<{ rows: number; distinct: number }> => {
    const { rows } = await db.pool.query(
      `SELECT count(*)::int AS rows, count(DISTINCT message_id)::int AS distinct FROM ${effects} WHERE message_id = ANY($1)`,
      [ids],
    );
    return rows[0];
  };
  await waitFor(async () => (await count()).distinct === 10, { timeoutMs: 30_000 });
  await bus.stop();
  expect(await count()).toEqual({ rows: 10, distinct: 10 });
  await pool.end();
  await proxy.close();
});
