import type { Pool } from 'pg';
import {
  ConfigurationError,
  consoleLogger,
  jsonCodec,
  type Codec,
  type Logger,
  type PublishOptions,
  type PublishReceipt,
  type TransportMessage,
} from '@polybus/core';
import { encodeMessage } from '@polybus/core/transport';
import { outboxDdl, runMigration } from './schema';
import { resolveTables, type TableOptions, type Tables } from './tables';
import { integerOption } from '@polybus/core/transport';
import { writeOutboxRows, type Queryable } from './outbox-rows';
import { startRelay, type OutboxRelay, type RelayOptions, type RelayTarget } from './outbox-relay';

export interface PostgresOutboxOptions extends TableOptions {
  pool: Pool;
  /** Published rows older than this are deleted by the relay's cleanup. Default 86 400 (24 h). */
  retentionSeconds?: number;
  /** Encodes bodies in `publish` and decodes them in the relay; use the bus's codec. Default jsonCodec. */
  codec?: Codec;
  logger?: Logger;
}

/**
 * A transactional outbox: messages written in the caller's transaction, published later by a
 * relay. A rolled-back transaction publishes nothing; a committed one is published at least once
 * (exactly once in effect with an idempotent consumer), in order per key.
 */
export interface PostgresOutbox {
  readonly tables: Tables;
  /** Creates the table, indexes and the NOTIFY trigger if missing. Idempotent. */
  migrate(): Promise<void>;
  /** Writes one message through `client`, which must be inside the caller's transaction to be atomic with it. */
  publish<T>(
    client: Queryable,
    topic: string,
    body: T,
    options?: Omit<PublishOptions, 'guarantee'>,
  ): Promise<PublishReceipt>;
  /** Writes already-encoded messages (what an inbox's `ctx.publish` produces). */
  write(client: Queryable, messages: readonly TransportMessage[]): Promise<void>;
  /** Starts publishing pending rows through `bus`. Several relays (in one or many processes) may run at once. */
  relay(bus: RelayTarget, options?: RelayOptions): OutboxRelay;
  /** Deletes published rows older than the retention; returns how many. The relay calls it periodically. */
  cleanup(): Promise<number>;
  /** Rows not yet published (for health checks and tests). */
  pending(): Promise<number>;
}

export function postgresOutbox(options: PostgresOutboxOptions): PostgresOutbox {
  if (typeof options !== 'object' || options === null)
    throw new ConfigurationError('options', 'postgresOutbox needs an options object');
  const pool = options.pool;
  if (!pool || typeof pool.connect !== 'function') throw new ConfigurationError('pool', 'must be a pg Pool');
  const tables = resolveTables(options);
  const retentionSeconds = integerOption('retentionSeconds', options.retentionSeconds, 86_400);
  const codec = options.codec ?? jsonCodec;
  const logger = options.logger ?? consoleLogger;

  const cleanup = async (): Promise<number> => {
    const result = await pool.query(
      `DELETE FROM ${tables.outbox} WHERE seq IN (
         SELECT seq FROM ${tables.outbox}
         WHERE published_at < now() - make_interval(secs => $1) LIMIT 10000)`,
      [retentionSeconds],
    );
    return result.rowCount ?? 0;
  };

  return {
    tables,
    migrate: () => runMigration(pool, outboxDdl(tables)),
    async publish(client, topic, body, publishOptions = {}) {
      const message = encodeMessage(codec, topic, body, publishOptions, undefined);
      await writeOutboxRows(client, tables.outbox, [message]);
      return { id: message.id, topic };
    },
    write: (client, messages) => writeOutboxRows(client, tables.outbox, messages),
    relay: (bus, relayOptions = {}) =>
      startRelay({ pool, tables, codec, logger, cleanup, target: bus, options: relayOptions }),
    cleanup,
    async pending() {
      const result = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${tables.outbox} WHERE published_at IS NULL`,
      );
      return Number(result.rows[0].n);
    },
  };
}
