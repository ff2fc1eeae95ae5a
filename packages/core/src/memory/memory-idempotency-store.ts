import type { AcquireResult, IdempotencyStore } from '../idempotency-store';

export interface MemoryIdempotencyStoreOptions {
  /** How long a completed key is remembered. Default 24 h. */
  ttlMs?: number;
  onUnavailable?: 'fail-closed' | 'fail-open';
}

interface Record {
  owner: string | undefined; // undefined = completed
  expiresAt: number;
}

/**
 * An in-process idempotency store: right for one process and for tests. Several processes need a
 * shared store (@polybus/store-redis, @polybus/store-postgres).
 */
export function memoryIdempotencyStore(options: MemoryIdempotencyStoreOptions = {}): IdempotencyStore & {
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
    complete(key: string, owner: string): Promise<void> {
      const r = records.get(key);
      if (r === undefined || r.owner === owner || r.expiresAt <= Date.now())
        records.set(key, { owner: undefined, expiresAt: Date.now() + ttlMs });
      return Promise.resolve();
    },
    release(key: string, owner: string): Promise<void> {
      if (records.get(key)?.owner === owner) records.delete(key);
      return Promise.resolve();
    },
  };
}
