import type { ClientBase } from 'pg';
import { type TransportMessage } from '@polybus/core';
import { payloadBuffer } from '@polybus/core/transport';

/** Anything that runs a query: a pool client inside the caller's transaction, or a Client. */
export type Queryable = Pick<ClientBase, 'query'>;

/** A pending outbox row as the relay reads it. */
export interface OutboxRow {
  readonly seq: string;
  readonly id: string;
  readonly topic: string;
  readonly key: string | null;
  readonly headers: Record<string, string>;
  readonly payload: Buffer;
  readonly attempts: number;
}

/**
 * Appends encoded messages to the outbox through `client`, so they commit or roll back with the
 * caller's transaction. One statement for the whole batch; `seq` follows the array order, which is
 * the order the relay publishes a key's messages in.
 */
export async function writeOutboxRows(
  client: Queryable,
  table: string,
  messages: readonly TransportMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  await client.query(
    `INSERT INTO ${table} (id, topic, key, headers, payload)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::bytea[])`,
    [
      messages.map((m) => m.id),
      messages.map((m) => m.topic),
      messages.map((m) => m.key ?? null),
      messages.map((m) => JSON.stringify(m.headers)),
      messages.map((m) => payloadBuffer(m.payload)), // bytea: a string would be read as escape text
    ],
  );
}
