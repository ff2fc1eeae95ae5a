import { ConfigurationError, silentLogger } from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { postgresOutbox, type OutboxRelay } from '@polybus/store-postgres';
import { suffix, testDatabase } from './pg-helpers';
import { recordingTarget } from './recording-target';

const db = testDatabase();
const outbox = postgresOutbox({ pool: db.pool, prefix: db.prefix, logger: silentLogger });
const relays: OutboxRelay[] = [];

beforeAll(() => outbox.migrate());
afterEach(async () => {
  await Promise.all(relays.splice(0).map((r) => r.stop()));
  await db.pool.query(`DELETE FROM ${outbox.tables.outbox}`);
});
afterAll(() => db.drop());

async function inTransaction(
  work: (client: import('pg').PoolClient) => Promise<void>,
  commit = true,
): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    await work(client);
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
  } finally {
    client.release();
  }
}

it('publishes nothing for a rolled-back transaction, and the committed one with id, key, headers and body', async () => {
  const target = recordingTarget();
  relays.push(outbox.relay(target, { pollMs: 50 }));
  let rolledBackId = '';
  await inTransaction(async (client) => {
    rolledBackId = (await outbox.publish(client, 'orders', { n: 'rolled back' })).id;
  }, false);
  let committedId = '';
  await inTransaction(async (client) => {
    committedId = (
      await outbox.publish(
        client,
        'orders',
        { n: 'committed' },
        { key: 'o-1', headers: { trace: 't' }, idempotencyKey: 'idem-1' },
      )
    ).id;
  });
  await waitFor(() => target.published.some((e) => e.id === committedId));
  expect(target.published).toEqual([
    {
      topic: 'orders',
      body: { n: 'committed' },
      id: committedId,
      key: 'o-1',
      headers: { trace: 't' },
      idempotencyKey: 'idem-1',
    },
  ]);
  expect(target.published.some((e) => e.id === rolledBackId)).toBe(false);
  // The relay marks the row published in its own commit, just after the publish it recorded.
  await waitFor(async () => (await outbox.pending()) === 0);
});

it('wakes up on NOTIFY instead of waiting for the poll', async () => {
  const target = recordingTarget();
  const relay = outbox.relay(target, { pollMs: 600_000 });
  relays.push(relay);
  await waitFor(() => relay.stats.batches >= 1); // the first round found nothing; now it sleeps for 10 minutes
  let id = '';
  await inTransaction(async (client) => {
    id = (await outbox.publish(client, 'orders', { n: 1 })).id;
  });
  await waitFor(() => target.published.some((e) => e.id === id), { timeoutMs: 20_000 });
});

it('listens again after its LISTEN connection was killed', async () => {
  const target = recordingTarget();
  const relay = outbox.relay(target, { pollMs: 600_000 });
  relays.push(relay);
  await waitFor(() => relay.stats.batches >= 1);
  const channel = outbox.tables.outboxName;
  const listening = async (): Promise<number[]> =>
    (
      await db.pool.query(`SELECT pid FROM pg_stat_activity WHERE query = $1`, [`LISTEN "${channel}"`])
    ).rows.map((r) => r.pid);
  const [pid] = await waitFor(async () => {
    const pids = await listening();
    return pids.length > 0 ? pids : undefined;
  });
  await db.pool.query('SELECT pg_terminate_backend($1)', [pid]);
  await waitFor(async () => (await listening()).some((p) => p !== pid), { timeoutMs: 20_000 });
  let id = '';
  await inTransaction(async (client) => {
    id = (await outbox.publish(client, 'orders', { n: 1 })).id;
  });
  await waitFor(() => target.published.some((e) => e.id === id), { timeoutMs: 20_000 });
});

it('retries a failed publish with backoff until it goes through', async () => {
  const target = recordingTarget();
  target.failNext(3);
  const relay = outbox.relay(target, { pollMs: 20, initialRetryDelayMs: 20, maxRetryDelayMs: 100 });
  relays.push(relay);
  let id = '';
  await inTransaction(async (client) => {
    id = (await outbox.publish(client, 'orders', { n: 1 }, { key: 'k' })).id;
  });
  await waitFor(() => target.published.some((e) => e.id === id), { timeoutMs: 20_000 });
  await waitFor(async () => (await outbox.pending()) === 0); // marked in the relay's commit, just after the publish
  const { rows } = await db.pool.query(
    `SELECT attempts, last_error, published_at FROM ${outbox.tables.outbox} WHERE id = $1`,
    [id],
  );
  expect(rows[0].attempts).toBeGreaterThanOrEqual(1);
  expect(rows[0].last_error).toBeNull();
  expect(relay.stats.failedAttempts).toBeGreaterThanOrEqual(1);
});

it('keeps per-key order with two relays sharing the table and publishes failing at random', async () => {
  const published: { key: string; n: number }[] = [];
  const flaky = () => {
    const t = recordingTarget({ failRate: 0.2 });
    return {
      async publishBatch(entries: Parameters<typeof t.publishBatch>[0]) {
        const receipts = await t.publishBatch(entries); // throws before recording when it fails
        for (const e of entries) published.push({ key: e.key!, n: (e.body as { n: number }).n });
        return receipts;
      },
    };
  };
  const keys = ['a', 'b', 'c', 'd', 'e'];
  const perKey = 60;
  // rows first, relays second: both relays compete for the same backlog
  for (let n = 0; n < perKey; n++)
    await inTransaction(async (client) => {
      for (const key of keys) await outbox.publish(client, 'ordered', { n }, { key });
    });
  const options = { batchSize: 7, pollMs: 20, initialRetryDelayMs: 5, maxRetryDelayMs: 40 };
  relays.push(outbox.relay(flaky(), options), outbox.relay(flaky(), options));
  await waitFor(async () => (await outbox.pending()) === 0, { timeoutMs: 45_000 });
  for (const key of keys) {
    const sequence = published.filter((p) => p.key === key).map((p) => p.n);
    expect(sequence).toEqual(Array.from({ length: perKey }, (_, n) => n));
  }
});

it('parks a row it cannot decode without holding back other rows', async () => {
  const target = recordingTarget();
  await db.pool.query(
    `INSERT INTO ${outbox.tables.outbox} (id, topic, key, headers, payload) VALUES ('bad', 'orders', NULL, $1, $2)`,
    [JSON.stringify({ 'content-type': 'application/x-unknown' }), Buffer.from('??')],
  );
  let id = '';
  await inTransaction(async (client) => {
    id = (await outbox.publish(client, 'orders', { ok: true })).id;
  });
  relays.push(outbox.relay(target, { pollMs: 20, initialRetryDelayMs: 60_000 }));
  await waitFor(() => target.published.some((e) => e.id === id));
  await waitFor(async () => (await outbox.pending()) === 1);
  const { rows } = await db.pool.query(
    `SELECT attempts, last_error, next_attempt_at = 'infinity' AS parked FROM ${outbox.tables.outbox} WHERE id = 'bad'`,
  );
  expect(rows[0]).toEqual({
    attempts: 1,
    last_error: expect.stringMatching(/unsupported content-type/),
    parked: true,
  });
});

it('cleanup deletes published rows past retention and keeps pending and recent ones', async () => {
  const target = recordingTarget();
  const short = postgresOutbox({
    pool: db.pool,
    prefix: db.prefix,
    retentionSeconds: 60,
    logger: silentLogger,
  });
  await inTransaction(async (client) => {
    for (let n = 0; n < 3; n++) await short.publish(client, 'orders', { n });
  });
  const relay = short.relay(target, { pollMs: 20 });
  relays.push(relay);
  await waitFor(async () => (await short.pending()) === 0);
  await relay.stop();
  await inTransaction(async (client) => void (await short.publish(client, 'orders', { n: 'pending' })));
  await db.pool.query(
    `UPDATE ${short.tables.outbox} SET published_at = now() - interval '2 minutes' WHERE published_at IS NOT NULL AND payload = '{"n":0}'`,
  );
  expect(await short.cleanup()).toBe(1);
  const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM ${short.tables.outbox}`);
  expect(rows[0].n).toBe(3);
  expect(await short.pending()).toBe(1);
});

it('refuses bad options naming the field', () => {
  const cases: [object, string][] = [
    [{ pool: undefined }, 'pool'],
    [{ prefix: 'x y' }, 'prefix'],
    [{ retentionSeconds: -5 }, 'retentionSeconds'],
  ];
  for (const [bad, field] of cases) {
    try {
      postgresOutbox({ pool: db.pool, ...bad } as never);
      throw new Error('accepted');
    } catch (error) {
      expect((error as ConfigurationError).field).toBe(field);
    }
  }
  expect(() => outbox.relay({} as never)).toThrow(ConfigurationError);
  expect(() => outbox.relay(recordingTarget(), { batchSize: 0 })).toThrow(/batchSize/);
  void suffix;
});
