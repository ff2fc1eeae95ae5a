import type { PoolClient } from 'pg';
import { DecodeError, Headers, type BatchEntry, type Codec, type Logger } from '@polybus/core';
import { backoffDelay } from '@polybus/core/transport';
import type { OutboxRow } from './outbox-rows';
import type { RelayTarget } from './outbox-relay';

export interface BatchContext {
  readonly table: string;
  readonly codec: Codec;
  readonly logger: Logger;
  readonly target: RelayTarget;
  readonly batchSize: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export interface BatchOutcome {
  /** Rows locked by this relay (including those held back for key order). */
  selected: number;
  published: number;
  failed: number;
}

/** Headers the bus sets itself on publish; passing them again would be overwritten anyway. */
const BUS_OWNED = new Set<string>([Headers.id, Headers.contentType, Headers.idempotencyKey]);

/**
 * One relay round in one transaction: lock pending rows (SKIP LOCKED, so relays share the work),
 * hold back every key whose earlier row is not ours (another relay has it, or it waits for a
 * retry) so a key is never published out of order, publish, mark, commit. A crash before the
 * commit leaves every row pending: it is published again (at least once).
 */
export async function relayBatch(client: PoolClient, ctx: BatchContext): Promise<BatchOutcome> {
  const { table } = ctx;
  const { rows } = await client.query<OutboxRow>(
    `SELECT seq, id, topic, key, headers, payload, attempts FROM ${table}
     WHERE published_at IS NULL AND next_attempt_at <= now()
     ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [ctx.batchSize],
  );
  if (rows.length === 0) return { selected: 0, published: 0, failed: 0 };

  const eligible = await withoutBlockedKeys(client, table, rows);
  const { published, failed } = await publishRows(ctx, eligible);
  if (published.length > 0)
    await client.query(
      `UPDATE ${table} SET published_at = now(), last_error = NULL WHERE seq = ANY($1::bigint[])`,
      [published.map((r) => r.seq)],
    );
  for (const { row, error } of failed) {
    if (DecodeError.is(error)) {
      // No retry can decode it: park it (and, to keep order, its key) until someone fixes or deletes the row.
      ctx.logger.error('outbox relay: row cannot be decoded; parked', { seq: row.seq, id: row.id, error });
      await client.query(
        `UPDATE ${table} SET attempts = attempts + 1, last_error = $2, next_attempt_at = 'infinity' WHERE seq = $1`,
        [row.seq, String((error as Error).message).slice(0, 1000)],
      );
      continue;
    }
    // Jittered: relays that failed together retry apart.
    const delay = backoffDelay(row.attempts + 1, {
      initialDelayMs: ctx.initialDelayMs,
      maxDelayMs: ctx.maxDelayMs,
      multiplier: 2,
      jitter: true,
    });
    await client.query(
      `UPDATE ${table} SET attempts = attempts + 1, last_error = $2,
         next_attempt_at = now() + make_interval(secs => $3) WHERE seq = $1`,
      [row.seq, String((error as Error)?.message ?? error).slice(0, 1000), delay / 1000],
    );
  }
  return { selected: rows.length, published: published.length, failed: failed.length };
}

async function withoutBlockedKeys(
  client: PoolClient,
  table: string,
  rows: OutboxRow[],
): Promise<OutboxRow[]> {
  const keyed = rows.filter((r) => r.key !== null);
  if (keyed.length === 0) return rows;
  const seqs = rows.map((r) => r.seq);
  const { rows: blocked } = await client.query<{ key: string; from_seq: string }>(
    `SELECT b.key, min(b.seq)::text AS from_seq FROM unnest($1::text[], $2::bigint[]) AS b(key, seq)
     WHERE EXISTS (SELECT 1 FROM ${table} e WHERE e.key = b.key AND e.published_at IS NULL
                   AND e.seq < b.seq AND e.seq <> ALL($3::bigint[]))
     GROUP BY b.key`,
    [keyed.map((r) => r.key), keyed.map((r) => r.seq), seqs],
  );
  if (blocked.length === 0) return rows;
  const from = new Map(blocked.map((b) => [b.key, BigInt(b.from_seq)]));
  return rows.filter((r) => r.key === null || !from.has(r.key) || BigInt(r.seq) < from.get(r.key)!);
}

interface Published {
  published: OutboxRow[];
  failed: { row: OutboxRow; error: unknown }[];
}

/** The whole batch in one call; if that fails, row by row so one bad row cannot hold back the rest. */
async function publishRows(ctx: BatchContext, rows: OutboxRow[]): Promise<Published> {
  if (rows.length === 0) return { published: [], failed: [] };
  const entries: (BatchEntry | Error)[] = rows.map((row) => toEntry(ctx.codec, row));
  const good = entries.every((e) => !(e instanceof Error));
  if (good) {
    try {
      await ctx.target.publishBatch(entries as BatchEntry[]);
      return { published: rows, failed: [] };
    } catch (error) {
      ctx.logger.warn('outbox relay: batch publish failed, retrying row by row', {
        rows: rows.length,
        error,
      });
    }
  }
  const result: Published = { published: [], failed: [] };
  const stalledKeys = new Set<string>();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (row.key !== null && stalledKeys.has(row.key)) continue; // keeps the key's order
    const entry = entries[i];
    try {
      if (entry instanceof Error) throw entry;
      await ctx.target.publishBatch([entry]);
      result.published.push(row);
    } catch (error) {
      result.failed.push({ row, error });
      if (row.key !== null) stalledKeys.add(row.key);
    }
  }
  return result;
}

function toEntry(codec: Codec, row: OutboxRow): BatchEntry | Error {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(row.headers)) if (!BUS_OWNED.has(name)) headers[name] = value;
  try {
    return {
      topic: row.topic,
      body: codec.decode(row.payload, row.headers),
      id: row.id,
      key: row.key ?? undefined,
      headers,
      idempotencyKey: row.headers[Headers.idempotencyKey],
    };
  } catch (error) {
    return error as Error;
  }
}
