/**
 * Per-key FIFO: starts items one at a time per key, in arrival order; items without a key start at
 * once. The head of each key's queue is the running item; `done(key)` (once per started keyed item)
 * starts the next. Keys are independent, so a slow key never holds up another. Adapters use it for
 * `ordering: 'per-key'` where the broker hands over several messages of one key at once.
 */
export class KeySerializer<T> {
  private readonly queues = new Map<string, T[]>();

  constructor(private readonly start: (item: T) => void) {}

  push(key: string | undefined, item: T): void {
    if (key === undefined) return this.start(item);
    const queue = this.queues.get(key);
    if (queue !== undefined) {
      queue.push(item);
      return;
    }
    this.queues.set(key, [item]);
    this.start(item);
  }

  done(key: string): void {
    const queue = this.queues.get(key);
    if (queue === undefined) return;
    queue.shift();
    if (queue.length === 0) this.queues.delete(key);
    else this.start(queue[0]);
  }

  /** Removes and returns the items of `key` that have not started. */
  dropWaiting(key: string): T[] {
    return this.queues.get(key)?.splice(1) ?? [];
  }

  /** Removes and returns the items not started that `match`, in order per key. */
  dropWaitingWhere(match: (item: T) => boolean): T[] {
    const dropped: T[] = [];
    for (const queue of this.queues.values()) {
      for (let i = 1; i < queue.length;) {
        if (match(queue[i])) dropped.push(...queue.splice(i, 1));
        else i++;
      }
    }
    return dropped;
  }

  /** Removes and returns every item that has not started. */
  dropAllWaiting(): T[] {
    return [...this.queues.keys()].flatMap((key) => this.dropWaiting(key));
  }
}
