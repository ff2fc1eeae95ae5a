import { Pool } from 'pg';
import { check, readLedgerDir, runWorkload } from '@polybus/verify';
import { EFFECTS_TABLE } from '../src/store/postgres-effects';

// --store postgres: the postgresInbox, the handler's effect a row written in its transaction, so
// a consumer SIGKILLed between effect and mark leaves neither: no crash window, every duplicate
// counts. RabbitMQ (kills redeliver at once) and the PostgreSQL of POLYBUS_PG_URL.
const AMQP = process.env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const PG = process.env.POLYBUS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('exactly-once with the PostgreSQL inbox on RabbitMQ (ci profile, two consumer kills)', () => {
  jest.setTimeout(120_000);

  it('applies each message exactly once across the kills', async () => {
    const result = await runWorkload(
      {
        url: AMQP,
        guarantee: 'exactly-once',
        store: 'postgres',
        storeUrl: PG,
        ordering: 'per-key',
        faults: ['kill-consumer'],
        kills: 2,
        seed: 11,
      },
      'ci',
    );
    expect(result.settled).toBe(true);
    expect(result.spec.crashWindowMs).toBe(0); // no duplicate is excused
    expect(result.counts.consumerKills).toBe(2);
    expect(result.counts.publishAttempts).toBeGreaterThan(result.counts.published); // duplicate publishes
    expect(result.counts.processed + result.counts.deadLettered).toBe(300);
    expect(result.counts.processings).toBe(result.counts.processed);
    expect(result.rules.map((r) => [r.rule, r.holds, r.observed])).toEqual([
      ['lost = 0', true, 0],
      ['duplicated = 0', true, 0],
      ['unexpected = 0', true, 0],
      ['reordered = 0', true, 0],
    ]);

    // The effects are kept in the run directory, which alone checks again to the same verdict;
    // the run's rows and inbox table are gone from the database.
    expect(check(readLedgerDir(result.dir).events, result.spec).counts).toEqual(result.counts);
    const pool = new Pool({ connectionString: PG, max: 1 });
    try {
      const rows = await pool.query(`SELECT count(*)::int AS n FROM ${EFFECTS_TABLE} WHERE run = $1`, [
        result.topic,
      ]);
      expect(rows.rows[0].n).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('refuses --store postgres without a postgres:// store URL or outside exactly-once', async () => {
    await expect(
      runWorkload({ url: AMQP, guarantee: 'exactly-once', store: 'postgres' }, 'ci'),
    ).rejects.toThrow(/--store postgres needs --store-url postgres:\/\//);
    await expect(runWorkload({ url: AMQP, store: 'postgres', storeUrl: PG }, 'ci')).rejects.toThrow(
      /exactly-once/,
    );
  });
});
