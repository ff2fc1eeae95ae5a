import type { Pool } from 'pg';
import {
  ConfigurationError,
  consoleLogger,
  MessageLockedError,
  type AcquireResult,
  type IdempotencyScope,
  type IdempotencyStore,
  type Logger,
} from '@polybus/core';
import { withClient } from './checkout';
import { enterInbox, leaveInbox } from './inbox-client';
import type { PostgresOutbox } from './postgres-outbox';
import { inboxDdl, runMigration } from './schema';
import { resolveTables, type TableOptions, type Tables } from './tables';
import { integerOption } from '@polybus/core/transport';

export interface PostgresInboxOptions extends TableOptions {
  /** Needs one connection per message in flight (sum of the inbox bindings' concurrency). */
  pool: Pool;
  /** Inbox rows older than this are deleted: a duplicate arriving later runs again. Default 604 800 (7 days). */
  retentionSeconds?: number;
  /** How often (at most) `process` triggers a background cleanup. Default 60 000 ms. */
  cleanupIntervalMs?: number;
  /** When given, `ctx.publish` in the handler writes to this outbox in the same transaction. */
  outbox?: PostgresOutbox;
  /**
   * Only 'fail-closed': while PostgreSQL cannot be reached deliveries wait and come back later.
   * (Fail-open would run handlers without the transaction their SQL goes through.)
   */
  onUnavailable?: 'fail-closed';
  logger?: Logger;
}

export interface PostgresInbox extends IdempotencyStore {
  readonly onUnavailable: 'fail-closed';
  readonly tables: Tables;
  /** Creates the inbox table (and the outbox's, when one is attached) if missing. Idempotent. */
  migrate(): Promise<void>;
  process(key: string, work: (scope: IdempotencyScope) => Promise<void>): Promise<'processed' | 'duplicate'>;
  /** Deletes inbox rows past retention; returns how many. */
  cleanup(): Promise<number>;
  /**
   * Starts no more background cleanups and waits for one that is running. Never ends the pool: it
   * is yours (the outbox relay and your own queries may still use it). Called by `bus.stop()`.
   */
  close(): Promise<void>;
}

/**
 * An inbox: the dedup row, the handler's own SQL and its `ctx.publish` (into the outbox) commit in
 * ONE transaction. A crash before the commit leaves no trace; after it, the redelivery finds the
 * row and is skipped. Two concurrent deliveries of one key: the second INSERT waits for the
 * first's transaction and then sees the conflict, so exactly one runs to commit.
 */
export function postgresInbox(options: PostgresInboxOptions): PostgresInbox {
  if (typeof options !== 'object' || options === null)
    throw new ConfigurationError('options', 'postgresInbox needs an options object');
  const pool = options.pool;
  if (!pool || typeof pool.connect !== 'function') throw new ConfigurationError('pool', 'must be a pg Pool');
  const tables = resolveTables(options);
  const t = tables.inbox;
  const retentionSeconds = integerOption('retentionSeconds', options.retentionSeconds, 604_800);
  const cleanupIntervalMs = integerOption('cleanupIntervalMs', options.cleanupIntervalMs, 60_000);
  const onUnavailable = options.onUnavailable ?? 'fail-closed';
  // Fail-open would run the handler without the transaction its SQL goes through (inboxClient).
  if (onUnavailable !== 'fail-closed')
    throw new ConfigurationError(
      'onUnavailable',
      `an inbox is always 'fail-closed': without the database the handler has no transaction to write in (got ${String(onUnavailable)})`,
    );
  const outbox = options.outbox;
  if (outbox !== undefined && typeof outbox.write !== 'function')
    throw new ConfigurationError('outbox', 'must be a postgresOutbox(...)');
  const logger = options.logger ?? consoleLogger;
  let lastCleanup = Date.now();
  let closed = false;
  let running: Promise<unknown> | undefined;

  const cleanup = async (): Promise<number> => {
    const result = await pool.query(
      `DELETE FROM ${t} WHERE key IN (SELECT key FROM ${t}
         WHERE owner IS NULL AND processed_at < now() - make_interval(secs => $1) LIMIT 10000)`,
      [retentionSeconds],
    );
    return result.rowCount ?? 0;
  };
  const maybeCleanup = (): void => {
    if (closed || running !== undefined || Date.now() - lastCleanup < cleanupIntervalMs) return;
    lastCleanup = Date.now();
    running = cleanup()
      .catch((error: unknown) => logger.warn('postgres inbox: cleanup failed', { error }))
      .finally(() => (running = undefined));
  };

  // An expired acquire() lock is taken over; a completed row (owner NULL) is a duplicate.
  const claim = `INSERT INTO ${t} (key) VALUES ($1)
    ON CONFLICT (key) DO UPDATE SET owner = NULL, locked_until = NULL, processed_at = now()
    WHERE ${t}.owner IS NOT NULL AND ${t}.locked_until < now()`;

  async function process(
    key: string,
    work: (scope: IdempotencyScope) => Promise<void>,
  ): Promise<'processed' | 'duplicate'> {
    maybeCleanup();
    return withClient(pool, async (client) => {
      await client.query('BEGIN');
      const claimed = await client.query(claim, [key]);
      if (claimed.rowCount === 0) {
        const { rows } = await client.query<{ owner: string | null }>(
          `SELECT owner FROM ${t} WHERE key = $1`,
          [key],
        );
        await client.query('ROLLBACK');
        if (rows[0]?.owner)
          throw new MessageLockedError(`'${key}' is locked by acquire() owner ${rows[0].owner}`);
        return 'duplicate';
      }
      enterInbox(client);
      try {
        await work({
          transaction: client,
          publish: outbox ? (messages) => outbox.write(client, messages) : undefined,
        });
      } finally {
        leaveInbox(client);
      }
      await client.query('COMMIT');
      return 'processed';
    });
  }

  return {
    onUnavailable,
    tables,
    migrate: async () => {
      await runMigration(pool, inboxDdl(tables));
      await outbox?.migrate();
    },
    process,
    cleanup,
    async close() {
      closed = true;
      await running;
    },

    async acquire(key, owner, lockTtlMs): Promise<AcquireResult> {
      const taken = await pool.query(
        `INSERT INTO ${t} (key, owner, locked_until) VALUES ($1, $2, now() + make_interval(secs => $3))
         ON CONFLICT (key) DO UPDATE SET owner = EXCLUDED.owner, locked_until = EXCLUDED.locked_until
         WHERE ${t}.owner IS NOT NULL AND (${t}.locked_until < now() OR ${t}.owner = EXCLUDED.owner)`,
        [key, owner, lockTtlMs / 1000],
      );
      if (taken.rowCount === 1) return 'acquired';
      const { rows } = await pool.query<{ owner: string | null }>(`SELECT owner FROM ${t} WHERE key = $1`, [
        key,
      ]);
      return rows.length > 0 && rows[0].owner === null ? 'completed' : 'locked';
    },

    // Completion is recorded even if the lock expired meanwhile: the effect happened.
    async complete(key) {
      await pool.query(
        `INSERT INTO ${t} (key) VALUES ($1)
         ON CONFLICT (key) DO UPDATE SET owner = NULL, locked_until = NULL, processed_at = now()`,
        [key],
      );
    },

    async release(key, owner) {
      await pool.query(`DELETE FROM ${t} WHERE key = $1 AND owner = $2`, [key, owner]);
    },
  };
}
