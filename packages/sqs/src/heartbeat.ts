import type { Logger } from '@polybus/core';
import type { Settler } from './settler';

/**
 * A received message the heartbeat keeps invisible. The heartbeat links entries through their own
 * fields: tracking and untracking one allocates nothing and hashes no receipt handle (a handle is
 * a fresh string of up to ~1 KB per message; a Map keyed by it hashed all of it, twice per message).
 */
export interface HeartbeatEntry {
  readonly queueUrl: string;
  readonly handle: string;
  /** When the visibility timeout was last set (receive or extension), on the monotonic `performance.now()` clock. */
  extendedAt: number;
  /** The heartbeat's list, oldest `extendedAt` first; undefined while not tracked. */
  prevBeat: HeartbeatEntry | undefined;
  nextBeat: HeartbeatEntry | undefined;
}

/**
 * Keeps received, unsettled messages invisible while their handler runs (or while they wait for
 * their FIFO group's turn): every `intervalMs` it pushes the visibility timeout of each message
 * held at least that long back to `visibilitySeconds` from now. The interval is below the timeout,
 * so a held message never reappears for another consumer while this process is alive.
 *
 * Entries are kept in the order they were last extended, so a beat visits only those due, from
 * the head, and stops at the first that is not.
 */
export class Heartbeat {
  private head: HeartbeatEntry | undefined = undefined;
  private tail: HeartbeatEntry | undefined = undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settler: Settler,
    private readonly visibilitySeconds: number,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  /** Starts tracking an entry whose visibility timeout was set at `now` (`performance.now()`, read once per receive). */
  track(entry: HeartbeatEntry, now: number): void {
    entry.extendedAt = now;
    this.append(entry);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.beat(), Math.max(50, Math.floor(this.intervalMs / 2)));
      this.timer.unref();
    }
  }

  /**
   * Idempotent. The timer keeps running while nothing is held (it is unref'd, and idle then): a busy
   * consumer empties and refills the list many times a second, and rebuilding the interval each time cost more.
   */
  untrack(entry: HeartbeatEntry): void {
    if (!this.tracks(entry)) return;
    if (entry.prevBeat !== undefined) entry.prevBeat.nextBeat = entry.nextBeat;
    else this.head = entry.nextBeat;
    if (entry.nextBeat !== undefined) entry.nextBeat.prevBeat = entry.prevBeat;
    else this.tail = entry.prevBeat;
    entry.prevBeat = entry.nextBeat = undefined;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tracks(entry: HeartbeatEntry): boolean {
    return entry.prevBeat !== undefined || this.head === entry;
  }

  private append(entry: HeartbeatEntry): void {
    entry.nextBeat = undefined;
    entry.prevBeat = this.tail;
    if (this.tail !== undefined) this.tail.nextBeat = entry;
    else this.head = entry;
    this.tail = entry;
  }

  private beat(): void {
    const now = performance.now();
    // Each extended entry moves to the tail; `last` bounds the walk to the entries there were.
    const last = this.tail;
    for (let entry = this.head; entry !== undefined && now - entry.extendedAt >= this.intervalMs;) {
      const next = entry === last ? undefined : entry.nextBeat;
      this.untrack(entry);
      entry.extendedAt = now;
      this.append(entry);
      this.extend(entry);
      entry = next;
    }
  }

  private extend(entry: HeartbeatEntry): void {
    this.settler
      .changeVisibility(entry.queueUrl, entry.handle, this.visibilitySeconds)
      .catch((error: unknown) => {
        // Usually the message was settled meanwhile or its receipt expired (then it is redelivered).
        if (this.tracks(entry))
          this.logger.warn('sqs: visibility heartbeat failed', { error: String(error) });
      });
  }
}
