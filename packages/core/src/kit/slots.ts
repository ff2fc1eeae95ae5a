/**
 * Counts a subscription's unsettled deliveries against its `concurrency`, so a transport never
 * hands over more than it may run. Waiting reserves nothing: a waiter that gives up (close,
 * rebalance) cannot leak a slot; it calls `take` again when woken.
 *
 * - `take(n)` takes `n` slots only if that many are free (a poller that reserves a whole receive);
 *   `takeAnyway(n)` counts deliveries the broker has handed over already, past the limit if a read
 *   raced another reservation (`free` is then ≤ 0 until they settle).
 * - `give(n)` returns them and wakes every waiter of `whenFree`, and of `idle` once none is in use.
 * - `whenFree(signal)` resolves at once when a slot is free or `signal` has aborted, else at the
 *   next `give` or `wakeAll`; it never rejects.
 */
export class Slots {
  private used = 0;
  private waiters: Array<() => void> = [];
  private idleWaiters: Array<() => void> = [];

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  get free(): number {
    return this.limit - this.used;
  }

  take(n = 1): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }

  takeAnyway(n = 1): void {
    this.used += n;
  }

  give(n = 1): void {
    this.used -= n;
    this.wakeAll();
    if (this.used === 0 && this.idleWaiters.length > 0) {
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of idle) wake();
    }
  }

  /** Wakes every `whenFree` waiter (e.g. on close); each checks its own condition again. */
  wakeAll(): void {
    if (this.waiters.length === 0) return; // the common case, once per settled delivery
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  whenFree(signal?: AbortSignal): Promise<void> {
    if (this.used < this.limit || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiters.push(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  /** Resolves when no slot is in use. */
  idle(): Promise<void> {
    if (this.used === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
