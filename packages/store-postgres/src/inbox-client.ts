import type { PoolClient } from 'pg';
import { ConfigurationError } from '@polybus/core';

/** Clients inside an open inbox transaction; a handler can only reach its own while it runs. */
const open = new WeakSet<object>();

export function enterInbox(client: PoolClient): void {
  open.add(client);
}

export function leaveInbox(client: PoolClient): void {
  open.delete(client);
}

/**
 * The pg client of the inbox transaction this handler runs in: its queries commit atomically with
 * the dedup mark (and with `ctx.publish`, written to the outbox). Throws `ConfigurationError` when
 * the binding's idempotency store is not a `postgresInbox`, or when called after the handler returned.
 */
export function inboxClient(ctx: { readonly transaction: unknown }): PoolClient {
  const tx = ctx?.transaction;
  if (typeof tx !== 'object' || tx === null || !open.has(tx))
    throw new ConfigurationError(
      'idempotency',
      'ctx.transaction is not an open postgres inbox transaction: bind with `guarantee: exactly-once, idempotency: postgresInbox(...)` and use it only while the handler runs',
    );
  return tx as PoolClient;
}
