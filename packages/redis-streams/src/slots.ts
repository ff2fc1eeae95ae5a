/**
 * Counts unsettled deliveries against the binding's `concurrency`. Readers ask how many slots are
 * free and size their COUNT by it, so the consumer never holds more entries than it may run.
 */
export class Slots {
  private used = 0;
  private waiters: Array<() => void> = [];

  constructor(private readonly capacity: number) {}

  get free(): number {
    return this.capacity - this.used;
  }

  take(): void {
    this.used++;
  }

  release(): void {
    this.used--;
    this.wakeAll();
  }

  /** Wakes every waiter, e.g. when the subscription closes; they re-check their own condition. */
  wakeAll(): void {
    if (this.waiters.length === 0) return; // the common case: called on every release
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  }

  /** Resolves when at least one slot is free, or when `stop()` says to give up. */
  async waitForFree(stop: () => boolean): Promise<void> {
    while (this.free <= 0 && !stop()) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}
