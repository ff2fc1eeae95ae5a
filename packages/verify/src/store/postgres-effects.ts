import { Pool, type PoolClient } from 'pg';
import { postgresInbox, type PostgresInbox } from '@polybus/store-postgres';
import type { ProcessedEvent } from '../ledger/events';

/**
 * With `--store postgres` the handler's effect is a row of this table, inserted in the inbox's
 * transaction: it commits with the dedup mark or not at all. The run's `processed` events are
 * these rows, not ledger lines (a ledger line written just before a SIGKILL would show an effect
 * whose transaction rolled back). No key: a duplicate effect is two rows, and the checker sees it.
 */
export const EFFECTS_TABLE = 'polybus_verify_effects';

/** The inbox table's prefix for a run: each run dedups in a table of its own (ids repeat across runs). */
export const inboxPrefix = (topic: string): string =>
  `pv_${topic
    .replace(/^polybus-verify-/, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')}_`.slice(0, 40);

export const verifyPool = (url: string, max: number): Pool =>
  new Pool({ connectionString: url, max, allowExitOnIdle: true, connectionTimeoutMillis: 5_000 });

export function runInbox(pool: Pool, topic: string): PostgresInbox {
  return postgresInbox({ pool, prefix: inboxPrefix(topic) });
}

/** The runner, before any consumer starts: the effects table and the run's inbox table. */
export async function preparePostgres(url: string, topic: string): Promise<void> {
  const pool = verifyPool(url, 1);
  try {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${EFFECTS_TABLE} (run text NOT NULL, id text NOT NULL, key text NOT NULL,
         seq integer NOT NULL, consumer text NOT NULL, at double precision NOT NULL)`,
    );
    await pool.query(`CREATE INDEX IF NOT EXISTS ${EFFECTS_TABLE}_run ON ${EFFECTS_TABLE} (run)`);
    await runInbox(pool, topic).migrate();
  } finally {
    await pool.end();
  }
}

/** The handler's effect, in the inbox transaction `client`. */
export async function applyEffect(
  client: PoolClient,
  topic: string,
  e: Omit<ProcessedEvent, 'type'>,
): Promise<void> {
  await client.query(
    `INSERT INTO ${EFFECTS_TABLE} (run, id, key, seq, consumer, at) VALUES ($1, $2, $3, $4, $5, $6)`,
    [topic, e.id, e.key, e.seq, e.consumer, e.at],
  );
}

/**
 * Reads the committed effects of a run as `processed` events, in `at` order. `drop` deletes the
 * run's rows and inbox table (the runner first writes the rows to `postgres-effects.jsonl`).
 */
export function effectsReader(
  url: string,
  topic: string,
): { read(): Promise<ProcessedEvent[]>; drop(): Promise<void>; close(): Promise<void> } {
  const pool = verifyPool(url, 1);
  return {
    async read() {
      const { rows } = await pool.query<{
        id: string;
        key: string;
        seq: number;
        consumer: string;
        at: number;
      }>(`SELECT id, key, seq, consumer, at FROM ${EFFECTS_TABLE} WHERE run = $1 ORDER BY at`, [topic]);
      return rows.map((r) => ({
        type: 'processed',
        id: r.id,
        key: r.key,
        seq: r.seq,
        consumer: r.consumer,
        at: r.at,
      }));
    },
    async drop() {
      await pool.query(`DELETE FROM ${EFFECTS_TABLE} WHERE run = $1`, [topic]);
      await pool.query(`DROP TABLE IF EXISTS ${runInbox(pool, topic).tables.inbox}`);
    },
    close: () => pool.end(),
  };
}
