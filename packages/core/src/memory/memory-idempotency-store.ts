import type { AcquireResult, IdempotencyStore } from '../idempotency-store';
import type { TransportMessage } from '../message';

const NONE: readonly TransportMessage[] = [];

export interface MemoryIdempotencyStoreOptions {
  /** How long a completed key is remembered. Default 24 h. */
  ttlMs?: number;
  onUnavailable?: 'fail-closed' | 'fail-open';
}

interface Record {
  owner: string | undefined; // undefined = completed
  expiresAt: number;
  /** Outputs recorded with the completion and not yet dispatched. */
  outputs?: readonly TransportMessage[];
}

/**
 * An in-process idempotency store: right for one process and for tests. Several processes need a
 * shared store (@polybus/store-redis, @polybus/store-postgres). Outputs are kept with the completed
 * mark until dispatched; `close` has nothing to release (a store shared by several buses is fine).
 */
export function memoryIdempotencyStore(options: MemoryIdempotencyStoreOptions = {}): IdempotencyStore &
  Required<Pick<IdempotencyStore, 'outputs' | 'dispatched' | 'close'>> & {
    readonly size: number;
  } {
  const ttlMs = options.ttlMs ?? 24 * 3600_000;
  const records = new Map<string, Record>();
  let sweepAt = 0;

  const sweep = (now: number): void => {
    if (now < sweepAt) return;
    sweepAt = now + 60_000;
    for (const [key, r] of records) if (r.expiresAt <= now) records.delete(key);
  };

  return {
    onUnavailable: options.onUnavailable ?? 'fail-closed',
    get size() {
      return records.size;
    },
    acquire(key: string, owner: string, lockTtlMs: number): Promise<AcquireResult> {
      const now = Date.now();
      sweep(now);
      const r = records.get(key);
      if (r && r.expiresAt > now) return Promise.resolve(r.owner === undefined ? 'completed' : 'locked');
      records.set(key, { owner, expiresAt: now + lockTtlMs });
      return Promise.resolve('acquired');
    },
    complete(key: string, owner: string, outputs?: readonly TransportMessage[]): Promise<void> {
      const r = records.get(key);
      // The effect happened even if the lock expired meanwhile; only a completion already there stays.
      if (r === undefined || r.owner !== undefined || r.expiresAt <= Date.now())
        records.set(key, {
          owner: undefined,
          expiresAt: Date.now() + ttlMs,
          outputs: outputs && outputs.length > 0 ? outputs : undefined,
        });
      return Promise.resolve();
    },
    outputs(key: string): Promise<readonly TransportMessage[]> {
      const r = records.get(key);
      return Promise.resolve(
        r && r.owner === undefined && r.expiresAt > Date.now() ? (r.outputs ?? NONE) : NONE,
      );
    },
    dispatched(key: string): Promise<void> {
      const r = records.get(key);
      if (r && r.owner === undefined) r.outputs = undefined;
      return Promise.resolve();
    },
    close(): Promise<void> {
      return Promise.resolve();
    },
    release(key: string, owner: string): Promise<void> {
      if (records.get(key)?.owner === owner) records.delete(key);
      return Promise.resolve();
    },
  };
}
