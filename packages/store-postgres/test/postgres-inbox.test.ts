import { ConfigurationError, MessageLockedError, createBus, memoryTransport } from '@polybus/core';
import { createSpy, waitFor } from '@polybus/core/testing';
import { inboxClient, postgresInbox, postgresOutbox } from '@polybus/store-postgres';
import { createEffects, suffix, testDatabase } from './pg-helpers';

const db = testDatabase();
const outbox = postgresOutbox({ pool: db.pool, prefix: db.prefix });
const inbox = postgresInbox({ pool: db.pool, prefix: db.prefix, outbox });
let effects: string;

beforeAll(async () => {
  // twice and concurrently: migrate is what every instance runs at boot
  await Promise.all([inbox.migrate(), inbox.migrate()]);
  await inbox.migrate();
  effects = await createEffects(db.pool, db.prefix);
});
afterAll(() => db.drop());

const applyEffect = (id: string) => async (scope: { transaction: unknown }) => {
  await inboxClient(scope).query(`INSERT INTO ${effects} (message_id) VALUES ($1)`, [id]);
};
const countFor = async (id: string): Promise<number> =>
  Number((await db.pool.query(`SELECT count(*) AS n FROM ${effects} WHERE message_id = $1`, [id])).rows[0].n);

describe('postgresInbox.process', () => {
  it('commits the handler SQL with the mark and skips the duplicate', async () => {
    const id = suffix();
    expect(await inbox.process(`g:${id}`, applyEffect(id))).toBe('processed');
    const again = jest.fn();
    expect(await inbox.process(`g:${id}`, again)).toBe('duplicate');
    expect(again).not.toHaveBeenCalled();
    expect(await countFor(id)).toBe(1);
  });

  it('rolls everything back when the work throws, rethrows, and lets the retry run', async () => {
    const id = suffix();
    const boom = new Error('handler failed');
    await expect(
      inbox.process(`g:${id}`, async (scope) => {
        await applyEffect(id)(scope);
        await scope.publish!([{ id, topic: 'never', headers: {}, payload: Buffer.from('{}'), timestamp: 0 }]);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await countFor(id)).toBe(0);
    expect(
      (await db.pool.query(`SELECT 1 FROM ${inbox.tables.inbox} WHERE key = $1`, [`g:${id}`])).rowCount,
    ).toBe(0);
    expect(
      (await db.pool.query(`SELECT 1 FROM ${outbox.tables.outbox} WHERE topic = 'never'`)).rowCount,
    ).toBe(0);
    expect(await inbox.process(`g:${id}`, applyEffect(id))).toBe('processed');
    expect(await countFor(id)).toBe(1);
  });

  it('gives one of two concurrent deliveries of a key the work; the other waits and sees a duplicate', async () => {
    const id = suffix();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const firstInside = new Promise<void>((r) => (entered = r));
    const first = inbox.process(`g:${id}`, async (scope) => {
      entered();
      await gate; // hold the uncommitted row while the second delivery arrives
      await applyEffect(id)(scope);
    });
    await firstInside;
    const secondWork = jest.fn(applyEffect(id));
    const second = inbox.process(`g:${id}`, secondWork);
    const settled = jest.fn();
    void second.then(settled);
    await new Promise((r) => setTimeout(r, 100));
    expect(settled).not.toHaveBeenCalled(); // blocked on the first's row lock
    release();
    expect(await first).toBe('processed');
    expect(await second).toBe('duplicate');
    expect(secondWork).not.toHaveBeenCalled();
    expect(await countFor(id)).toBe(1);
  });

  it('many concurrent deliveries of one key: exactly one effect', async () => {
    const id = suffix();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => inbox.process(`g:${id}`, applyEffect(id))),
    );
    expect(results.filter((r) => r === 'processed')).toHaveLength(1);
    expect(await countFor(id)).toBe(1);
  });

  it('ctx.publish goes to the outbox inside the same transaction', async () => {
    const id = suffix();
    await inbox.process(`g:${id}`, async (scope) => {
      await scope.publish!([
        {
          id: `out-${id}`,
          topic: 'payments',
          key: 'k',
          headers: { a: '1' },
          payload: Buffer.from('{"x":1}'),
          timestamp: 0,
        },
      ]);
    });
    const { rows } = await db.pool.query(
      `SELECT id, topic, key, headers, payload FROM ${outbox.tables.outbox} WHERE id = $1`,
      [`out-${id}`],
    );
    expect(rows).toEqual([
      { id: `out-${id}`, topic: 'payments', key: 'k', headers: { a: '1' }, payload: Buffer.from('{"x":1}') },
    ]);
  });
});

describe('inboxClient', () => {
  it('refuses a context without an inbox transaction, and a client used after its handler returned', async () => {
    expect(() => inboxClient({ transaction: undefined })).toThrow(ConfigurationError);
    let leaked: unknown;
    await inbox.process(`g:${suffix()}`, async (scope) => {
      leaked = scope.transaction;
      expect(inboxClient(scope)).toBe(scope.transaction);
    });
    expect(() => inboxClient({ transaction: leaked })).toThrow(/not an open postgres inbox transaction/);
  });
});

describe('postgresInbox acquire/complete/release', () => {
  it('implements the lock protocol on the same table', async () => {
    const key = `g:${suffix()}`;
    expect(await inbox.acquire(key, 'a', 10_000)).toBe('acquired');
    expect(await inbox.acquire(key, 'b', 10_000)).toBe('locked');
    await expect(inbox.process(key, jest.fn())).rejects.toThrow(MessageLockedError);
    await inbox.release(key, 'b');
    expect(await inbox.acquire(key, 'b', 10_000)).toBe('locked');
    await inbox.release(key, 'a');
    expect(await inbox.acquire(key, 'b', 10_000)).toBe('acquired');
    await inbox.complete(key, 'b');
    await inbox.release(key, 'b');
    expect(await inbox.acquire(key, 'c', 10_000)).toBe('completed');
    expect(await inbox.process(key, jest.fn())).toBe('duplicate');
  });

  it('lets another owner take an expired lock, and process take it over too', async () => {
    const key = `g:${suffix()}`;
    await inbox.acquire(key, 'crashed', 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(await inbox.acquire(key, 'next', 1)).toBe('acquired');
    await new Promise((r) => setTimeout(r, 20));
    expect(await inbox.process(key, async () => undefined)).toBe('processed');
  });
});

describe('postgresInbox retention and options', () => {
  it('cleanup deletes completed rows past retention only', async () => {
    const short = postgresInbox({ pool: db.pool, prefix: db.prefix, retentionSeconds: 60 });
    const old = `g:${suffix()}`;
    const fresh = `g:${suffix()}`;
    await short.process(old, async () => undefined);
    await short.process(fresh, async () => undefined);
    await db.pool.query(
      `UPDATE ${short.tables.inbox} SET processed_at = now() - interval '2 minutes' WHERE key = $1`,
      [old],
    );
    expect(await short.cleanup()).toBeGreaterThanOrEqual(1);
    expect(await short.process(old, async () => undefined)).toBe('processed');
    expect(await short.process(fresh, jest.fn())).toBe('duplicate');
  });

  it('close waits for a running cleanup, starts no more, and leaves the pool open', async () => {
    let started = 0;
    let running = 0;
    const pool = {
      connect: () => db.pool.connect(),
      query: async (...args: Parameters<typeof db.pool.query>) => {
        const cleaning = String(args[0]).startsWith('DELETE');
        if (cleaning) (started++, running++);
        try {
          await new Promise((r) => setTimeout(r, cleaning ? 50 : 0));
          return await (db.pool.query as (...a: unknown[]) => Promise<unknown>)(...args);
        } finally {
          if (cleaning) running--;
        }
      },
    } as unknown as typeof db.pool;
    const closing = postgresInbox({ pool, prefix: db.prefix, cleanupIntervalMs: 1 });
    await new Promise((r) => setTimeout(r, 5));
    await closing.process(`g:${suffix()}`, async () => undefined); // due: starts a background cleanup
    expect(started).toBe(1);
    await Promise.all([closing.close(), closing.close()]);
    expect(running).toBe(0);
    await new Promise((r) => setTimeout(r, 5));
    await closing.process(`g:${suffix()}`, async () => undefined);
    expect(started).toBe(1);
    expect((await db.pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  });

  it.each([
    [{ pool: undefined }, 'pool'],
    [{ prefix: 'Bad-Name' }, 'prefix'],
    [{ schema: '' }, 'schema'],
    [{ retentionSeconds: 0 }, 'retentionSeconds'],
    [{ onUnavailable: 'fail-open' }, 'onUnavailable'],
    [{ outbox: {} }, 'outbox'],
  ])('refuses %j naming the field', (bad, field) => {
    try {
      postgresInbox({ pool: db.pool, ...bad } as never);
      throw new Error('accepted');
    } catch (error) {
      expect(ConfigurationError.is(error)).toBe(true);
      expect((error as ConfigurationError).field).toBe(field);
    }
  });
});

describe('postgresInbox on a bus', () => {
  it('applies each message once under duplicate deliveries, handler failures and duplicate publishes', async () => {
    const topic = `inbox.${suffix()}`;
    const transport = memoryTransport({
      namespace: topic,
      faults: { duplicateDeliveryRate: 0.3, ackDropRate: 0.1 },
      visibilityTimeoutMs: 300,
    });
    const bus = createBus({ transport });
    let calls = 0;
    const spy = createSpy<{ n: number }>(async (message, ctx) => {
      await inboxClient(ctx).query(`INSERT INTO ${effects} (message_id) VALUES ($1)`, [message.id]);
      await ctx.publish(`${topic}.out`, { n: message.body.n }, { key: String(message.body.n % 3) });
      if (++calls % 7 === 0) throw new Error('injected failure after the effect');
    });
    bus.bind(topic, spy.handler, {
      group: 'g',
      guarantee: 'exactly-once',
      idempotency: inbox,
      concurrency: 8,
      retry: { maxAttempts: 20, initialDelayMs: 5, maxDelayMs: 20 },
    });
    await bus.start();
    const ids: string[] = [];
    for (let n = 0; n < 200; n++) {
      const receipt = await bus.publish(topic, { n });
      ids.push(receipt.id);
      if (n % 10 === 0) await bus.publish(topic, { n }, { id: receipt.id }); // duplicate publish
    }
    await waitFor(
      async () => {
        const { rows } = await db.pool.query(
          `SELECT count(DISTINCT message_id) AS n FROM ${effects} WHERE message_id = ANY($1)`,
          [ids],
        );
        return Number(rows[0].n) === ids.length;
      },
      { timeoutMs: 30_000 },
    );
    await bus.stop();
    const { rows } = await db.pool.query(`SELECT count(*) AS n FROM ${effects} WHERE message_id = ANY($1)`, [
      ids,
    ]);
    expect(Number(rows[0].n)).toBe(200);
    const out = await db.pool.query(`SELECT count(*) AS n FROM ${outbox.tables.outbox} WHERE topic = $1`, [
      `${topic}.out`,
    ]);
    expect(Number(out.rows[0].n)).toBe(200);
    const health = (await bus.health()).bindings[0].counters;
    expect(health.duplicates).toBeGreaterThan(0);
    expect(health.failed).toBeGreaterThan(0);
  });
});
