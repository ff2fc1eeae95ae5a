import type { TransportMessage } from './message';

export type AcquireResult =
  /** This owner holds the processing lock until `complete`, `release` or the lock's expiry. */
  | 'acquired'
  /** Processed before: the engine re-sends the outputs still kept (`outputs`) and acks, without running the handler. */
  | 'completed'
  /** Another owner is processing it now: the engine retries later. */
  | 'locked';

/**
 * Remembers which messages a group has processed, keyed by the engine's key for the binding's
 * group and topic and the message's idempotency key (or id).
 *
 * Store and forward: acquire → handler → `complete(key, owner, outputs)` records the mark WITH the
 * messages the handler published (`ctx.publish`), before any of them is sent. The engine then sends
 * them (inside the Kafka transaction on Kafka) and calls `dispatched`. A redelivery of a completed
 * key re-sends the outputs still kept, with their original ids, instead of running the handler again;
 * a crash between the mark and the send therefore loses no output and repeats no effect.
 *
 * `release` on failure. A lock left by a crashed processor expires after `lockTtlMs`, and another
 * owner may then acquire it. A lock is only ever held while the handler runs, never across a wait for
 * another delivery. A store that cannot be reached throws (any error); the engine then applies
 * `onUnavailable`: 'fail-closed' (default) leaves the delivery unacked for later, 'fail-open' runs the
 * handler unchecked and counts it.
 *
 * Ownership: a bus calls `close` on every store its bindings were given when it stops; a store
 * shared by several buses must tolerate that (the shipped ones: memory ignores it, Redis closes only
 * a client it made itself from a URL, the PostgreSQL inbox never ends a pool it was given).
 */
export interface IdempotencyStore {
  readonly onUnavailable?: 'fail-closed' | 'fail-open';
  acquire(key: string, owner: string, lockTtlMs: number): Promise<AcquireResult>;
  /**
   * Marks `key` completed. Non-empty `outputs` are kept with the mark until `dispatched(key)`. Records
   * the completion even when the lock was lost meanwhile: the effect happened.
   */
  complete(key: string, owner: string, outputs?: readonly TransportMessage[]): Promise<void>;
  release(key: string, owner: string): Promise<void>;
  /** The outputs `complete` kept for `key` and not yet marked dispatched; empty when none. */
  outputs?(key: string): Promise<readonly TransportMessage[]>;
  /** The outputs of `key` reached the broker: forget them. The completion mark stays. */
  dispatched?(key: string): Promise<void>;
  /** Releases what the store holds (connections, timers). Called by `bus.stop()`. Idempotent. */
  close?(): Promise<void>;
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
