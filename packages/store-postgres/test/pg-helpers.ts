import { Pool } from 'pg';

export const PG_URL = process.env.POLYBUS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const suffix = (): string => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** A pool plus a unique table prefix, so test files running in parallel never share tables. */
export function testDatabase(max = 20): { pool: Pool; prefix: string; drop(): Promise<void> } {
  const pool = new Pool({ connectionString: PG_URL, max });
  const prefix = `t_${suffix()}_`;
  return {
    pool,
    prefix,
    async drop() {
      await pool.query(
        `DROP TABLE IF EXISTS "${prefix}inbox", "${prefix}outbox", "${prefix}effects" CASCADE;
         DROP FUNCTION IF EXISTS "${prefix}outbox_notify"() CASCADE`,
      );
      await pool.end();
    },
  };
}

/** The table handlers write their effects to: one row per applied effect, no uniqueness, so duplicates show. */
export async function createEffects(pool: Pool, prefix: string): Promise<string> {
  const table = `"${prefix}effects"`;
  await pool.query(
    `CREATE TABLE IF NOT EXISTS ${table} (message_id text NOT NULL, applied_at timestamptz DEFAULT now())`,
  );
  return table;
}

export async function effectCounts(pool: Pool, table: string): Promise<{ rows: number; distinct: number }> {
  const { rows } = await pool.query<{ rows: string; distinct: string }>(
    `SELECT count(*) AS rows, count(DISTINCT message_id) AS distinct FROM ${table}`,
  );
  return { rows: Number(rows[0].rows), distinct: Number(rows[0].distinct) };
}
