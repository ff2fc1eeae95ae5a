export interface BatcherOptions<T> {
  /** Most items per batch (SQS: 10). */
  readonly maxEntries: number;
  /** Most summed `sizeOf` per batch; an item alone over it still goes, alone. */
  readonly maxBytes?: number;
  readonly sizeOf?: (item: T) => number;
  /** How long a partial batch waits for company before it is sent. */
  readonly lingerMs: number;
  /** One batch in flight at a time, so batches reach the broker in the order they were cut (FIFO queues). */
  readonly sequential: boolean;
  /**
   * Sends one batch. Resolves with one entry per item, in order: undefined when the item succeeded,
   * else its error. Rejecting fails every item of the batch with that error.
   */
  readonly run: (items: readonly T[]) => Promise<ReadonlyArray<Error | undefined>>;
}

const IGNORE = (): void => {};

interface Pending<T> {
  readonly item: T;
  readonly size: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Collects items into batches: a batch is cut when full (entries or bytes) or when the linger
 * expires, and each `add` settles with its own item's outcome.
 */
export class Batcher<T> {
  private pending: Pending<T>[] = [];
  private pendingBytes = 0;
  /** When the pending batch got its first item (`performance.now()`). */
  private pendingSince = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly options: BatcherOptions<T>) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => this.enqueue(item, resolve, reject));
  }

  /**
   * `add` for a caller that does not wait: no promise per item, and `onFailure` hears of a failed
   * one (one shared callback, not a closure per item). For hot paths such as acks.
   */
  send(item: T, onFailure: (error: Error) => void): void {
    this.enqueue(item, IGNORE, onFailure);
  }

  /** Sends whatever is pending now and resolves when every batch cut so far has settled. */
  async flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.cut();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private enqueue(item: T, resolve: () => void, reject: (error: Error) => void): void {
    const size = this.options.sizeOf?.(item) ?? 0;
    const maxBytes = this.options.maxBytes ?? Number.POSITIVE_INFINITY;
    if (this.pending.length > 0 && this.pendingBytes + size > maxBytes) this.cut();
    if (this.pending.length === 0) this.pendingSince = performance.now();
    this.pending.push({ item, size, resolve, reject });
    this.pendingBytes += size;
    if (this.pending.length >= this.options.maxEntries) this.cut();
    else this.timer ??= setTimeout(this.lingered, this.options.lingerMs);
  }

  /**
   * The linger timer is not cleared when a batch is cut full: under load that was a setTimeout and
   * a clearTimeout per batch. It fires once per linger instead, cuts the batch pending then if that
   * batch has waited its linger (timers fire in whole milliseconds), and else waits out the rest.
   */
  private readonly lingered = (): void => {
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const left = this.options.lingerMs - (performance.now() - this.pendingSince);
    if (left >= 1) this.timer = setTimeout(this.lingered, left);
    else this.cut();
  };

  private cut(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const sent = this.options.sequential
      ? (this.tail = this.tail.then(() => this.sendBatch(batch)))
      : this.sendBatch(batch);
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }

  private async sendBatch(batch: readonly Pending<T>[]): Promise<void> {
    let outcomes: ReadonlyArray<Error | undefined>;
    try {
      outcomes = await this.options.run(batch.map((p) => p.item));
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const p of batch) p.reject(failure);
      return;
    }
    batch.forEach((p, i) => {
      const outcome = outcomes[i];
      if (outcome === undefined) p.resolve();
      else p.reject(outcome);
    });
  }
}
