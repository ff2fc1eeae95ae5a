/** A delivery in progress, linked into `HeldEntries` through its own fields (no allocation per entry). */
export interface HeldLink {
  readonly entryId: string;
  prevHeld: HeldLink | undefined;
  nextHeld: HeldLink | undefined;
}

/**
 * The entries this consumer holds in the group's pending list: deliveries whose handler runs,
 * entries waiting out a nack delay before this consumer claims them again, and entries read while
 * every slot was taken, waiting for one. The heartbeat refreshes
 * exactly these, and a claim never takes one of them back from ourselves.
 *
 * Running deliveries form an intrusive list: adding and removing one allocates nothing and hashes
 * nothing, which matters at hundreds of thousands of entries a second (a Map here grew and shrank
 * its table every batch). Waiting entries are rare and keyed by entry id, with their timer.
 */
export class HeldEntries {
  private head: HeldLink | undefined = undefined;
  private running = 0;
  private readonly waiting = new Map<string, NodeJS.Timeout | undefined>();

  get size(): number {
    return this.running + this.waiting.size;
  }

  add(link: HeldLink): void {
    link.prevHeld = undefined;
    link.nextHeld = this.head;
    if (this.head !== undefined) this.head.prevHeld = link;
    this.head = link;
    this.running++;
  }

  /** Idempotent: a link that is not in the list is left alone. */
  remove(link: HeldLink): void {
    if (link.prevHeld === undefined && this.head !== link) return;
    if (link.prevHeld !== undefined) link.prevHeld.nextHeld = link.nextHeld;
    else this.head = link.nextHeld;
    if (link.nextHeld !== undefined) link.nextHeld.prevHeld = link.prevHeld;
    link.prevHeld = link.nextHeld = undefined;
    this.running--;
  }

  /**
   * Holds `entryId` until `timer` fires (a nack delay), or without a timer while it waits for a
   * slot; `release` or `clearWaiting` ends it.
   */
  wait(entryId: string, timer?: NodeJS.Timeout): void {
    this.waiting.set(entryId, timer);
  }

  release(entryId: string): void {
    this.waiting.delete(entryId);
  }

  /** Cancels every nack delay (the subscription closes; the entries stay pending for a claim). */
  clearWaiting(): void {
    for (const timer of this.waiting.values()) if (timer !== undefined) clearTimeout(timer);
    this.waiting.clear();
  }

  ids(): string[] {
    const ids = [...this.waiting.keys()];
    for (let link = this.head; link !== undefined; link = link.nextHeld) ids.push(link.entryId);
    return ids;
  }
}
