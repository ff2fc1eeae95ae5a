import type { Pool } from 'pg';
import { withClient } from './checkout';
import type { Tables } from './tables';

/** Serialises concurrent migrations: CREATE ... IF NOT EXISTS alone races on the catalog. */
const MIGRATION_LOCK = 0x70_6f_6c_79; // 'poly'

export function inboxDdl(t: Tables): string[] {
  return [
    // owner/locked_until are only used by acquire(); a row with owner NULL is a completed key.
    `CREATE TABLE IF NOT EXISTS ${t.inbox} (
      key text PRIMARY KEY,
      processed_at timestamptz NOT NULL DEFAULT now(),
      owner text,
      locked_until timestamptz)`,
    `CREATE INDEX IF NOT EXISTS "${t.inboxName}_processed_at" ON ${t.inbox} (processed_at)`,
  ];
}

export function outboxDdl(t: Tables): string[] {
  const channel = t.outboxName;
  const fn = t.schema ? `"${t.schema}"."${channel}_notify"` : `"${channel}_notify"`;
  return [
    `CREATE TABLE IF NOT EXISTS ${t.outbox} (
      seq bigserial PRIMARY KEY,
      id text NOT NULL,
      topic text NOT NULL,
      key text,
      headers jsonb NOT NULL,
      payload bytea NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz,
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      last_error text)`,
    `CREATE INDEX IF NOT EXISTS "${channel}_pending" ON ${t.outbox} (seq) WHERE published_at IS NULL`,
    `CREATE INDEX IF NOT EXISTS "${channel}_pending_key" ON ${t.outbox} (key, seq) WHERE published_at IS NULL`,
    `CREATE INDEX IF NOT EXISTS "${channel}_published_at" ON ${t.outbox} (published_at) WHERE published_at IS NOT NULL`,
    // A statement trigger wakes relays for every insert, whoever writes the row; NOTIFY is sent at
    // commit, so a rolled-back transaction wakes no one.
    `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('${channel}', ''); RETURN NULL; END $$`,
    `DROP TRIGGER IF EXISTS "${channel}_notify" ON ${t.outbox}`,
    `CREATE TRIGGER "${channel}_notify" AFTER INSERT ON ${t.outbox} FOR EACH STATEMENT EXECUTE FUNCTION ${fn}()`,
  ];
}

/** Runs `statements` in one transaction under an advisory lock: idempotent and safe to run from every instance at boot. */
export async function runMigration(pool: Pool, statements: readonly string[]): Promise<void> {
  await withClient(pool, async (client) => {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    for (const sql of statements) await client.query(sql);
    await client.query('COMMIT');
  });
}
