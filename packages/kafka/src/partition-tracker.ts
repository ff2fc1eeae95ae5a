/**
 * Offsets of one partition taken from the broker, and where a commit may point: at the lowest offset
 * not yet finished, so that nothing below an unfinished message is ever committed past.
 *
 * Offsets are taken in increasing order, so the pending ones form a queue with finished entries
 * removed lazily from its head.
 */
export class PartitionTracker {
  private readonly queue: number[] = [];
  private head = 0;
  private readonly finished = new Set<number>();
  /** Next offset to take: everything below was taken, finished or skipped (control records). */
  next = -1;
  /** Last offset committed to the group (what the broker would restart from). */
  committed = -1;

  get pending(): number {
    return this.queue.length - this.head;
  }

  /** Whether `offset` is new (a refetch after a rebalance repeats offsets already taken). */
  isNew(offset: number): boolean {
    return offset >= this.next;
  }

  take(offset: number): void {
    this.queue.push(offset);
    this.next = Math.max(this.next, offset + 1);
  }

  /** The fetch moved past `lastOffset` (e.g. transaction markers after the last record). */
  passed(lastOffset: number): void {
    this.next = Math.max(this.next, lastOffset + 1);
  }

  finish(offset: number): void {
    // Most finish in the order taken: the head moves without touching the set.
    if (this.head < this.queue.length && this.queue[this.head] === offset) this.head += 1;
    else this.finished.add(offset);
    while (
      this.finished.size > 0 &&
      this.head < this.queue.length &&
      this.finished.has(this.queue[this.head])
    ) {
      this.finished.delete(this.queue[this.head]);
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Offset to commit: the lowest unfinished one, or `next` when all are finished. */
  commitPoint(): number {
    return this.head < this.queue.length ? this.queue[this.head] : this.next;
  }

  /**
   * Scans pending offsets from the lowest while `ready` holds them (at most `max`): those may be
   * committed together, and `point` is where the commit then points.
   */
  readyPrefix(ready: ReadonlyMap<number, unknown>, max: number): { offsets: number[]; point: number } {
    const offsets: number[] = [];
    let i = this.head;
    for (; i < this.queue.length && offsets.length < max; i += 1) {
      const offset = this.queue[i];
      if (this.finished.has(offset)) continue;
      if (!ready.has(offset)) break;
      offsets.push(offset);
    }
    while (i < this.queue.length && this.finished.has(this.queue[i])) i += 1;
    return { offsets, point: i < this.queue.length ? this.queue[i] : this.next };
  }
}
