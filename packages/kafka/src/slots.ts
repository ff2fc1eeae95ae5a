/**
 * Counts unsettled deliveries of one subscription. Waiting does not reserve a slot, so a waiter
 * that gives up (rebalance, close) cannot leak one; it simply tries `take` again after `released`.
 */
export class Slots {
  private used = 0;
  private waiters: (() => void)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  take(): boolean {
    if (this.used >= this.limit) return false;
    this.used += 1;
    return true;
  }

  give(): void {
    this.used -= 1;
    // Called once per record: allocate a new waiter list only when someone waits.
    if (this.waiters.length > 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    }
    if (this.used === 0 && this.idleWaiters.length > 0) {
      const idle = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of idle) wake();
    }
  }

  /** Resolves when no slot is in use. */
  idle(): Promise<void> {
    if (this.used === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves at the next `give` (or at once when a slot is free). */
  released(): Promise<void> {
    if (this.used < this.limit) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
