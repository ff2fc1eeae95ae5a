interface Waiting {
  promise: Promise<void>;
  resolve: () => void;
}

/**
 * One holder per key in this process: deliveries of one idempotency key that reach the same consumer
 * at once take turns here instead of meeting at the store as `locked` (which would cost each of them
 * a backoff). Held only while a handler runs, never across a wait for another delivery, so it cannot
 * deadlock with the broker's in-order commits. A free key costs one Map write and no allocation.
 */
export class KeyGate {
  private readonly held = new Map<string, Waiting | null>();

  /** Resolves once the caller holds `key`; it must call `leave(key)` exactly once afterwards. */
  enter(key: string): Promise<void> | undefined {
    if (!this.held.has(key)) {
      this.held.set(key, null);
      return undefined;
    }
    return this.wait(key);
  }

  leave(key: string): void {
    const waiting = this.held.get(key);
    this.held.delete(key);
    waiting?.resolve();
  }

  private async wait(key: string): Promise<void> {
    while (this.held.has(key)) {
      let waiting = this.held.get(key);
      if (!waiting) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        waiting = { promise, resolve };
        this.held.set(key, waiting);
      }
      await waiting.promise;
    }
    this.held.set(key, null);
  }
}

/** Counts the keys whose outputs this process is sending now, so a duplicate does not send them too. */
export class KeyCount {
  private readonly counts = new Map<string, number>();

  has(key: string): boolean {
    return this.counts.has(key);
  }
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  remove(key: string): void {
    const n = this.counts.get(key)! - 1;
    if (n === 0) this.counts.delete(key);
    else this.counts.set(key, n);
  }
}
