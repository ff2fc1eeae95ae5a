import type { TransportMessage } from './message';

export type AcquireResult =
  /** This owner holds the processing lock until `complete`, `release` or the lock's expiry. */
  | 'acquired'
  /** Processed before: the engine acks the delivery without running the handler. */
  | 'completed'
  /** Another owner is processing it now: the engine retries later. */
  | 'locked';

/**
 * Remembers which messages a group has processed, keyed by `${group}:${idempotencyKey}`.
 *
 * acquire → handler → complete; release on failure. A lock left by a crashed processor expires
 * after `lockTtlMs`, and another owner may then acquire it. A store that cannot be reached throws
 * (any error); the engine then applies `onUnavailable`: 'fail-closed' (default) leaves the delivery
 * unacked for later, 'fail-open' runs the handler unchecked and counts it.
 */
export interface IdempotencyStore {
  readonly onUnavailable?: 'fail-closed' | 'fail-open';
  acquire(key: string, owner: string, lockTtlMs: number): Promise<AcquireResult>;
  complete(key: string, owner: string): Promise<void>;
  release(key: string, owner: string): Promise<void>;
  /**
   * Optional, for stores that commit the handler's own work with the mark in one transaction (an
   * inbox). When present the engine calls it instead of acquire/complete/release: `work` runs inside
   * the store's transaction unless the key was processed before (then 'duplicate', work not run).
   * If `work` throws, the transaction rolls back and `process` rethrows.
   */
  process?(key: string, work: (scope: IdempotencyScope) => Promise<void>): Promise<'processed' | 'duplicate'>;
}

/** Handed to the work of a transactional store; surfaces as `ctx.transaction` and routes `ctx.publish`. */
export interface IdempotencyScope {
  /** The store's transaction handle (postgresInbox: a pg client inside BEGIN). */
  readonly transaction: unknown;
  /** When present, `ctx.publish` writes here (an outbox in the same transaction). */
  publish?(messages: readonly TransportMessage[]): Promise<void>;
}
