/** A unit of work waiting for a free slot. */
export interface Job {
  readonly key: string | undefined;
  /** Runs the handler; resolves when the delivery is settled. */
  run(): Promise<void>;
}

/**
 * Hands jobs over in arrival order with at most `concurrency` running at once. With `perKey`,
 * never two jobs of one key at once: a job waits while an earlier one of its key runs, and
 * since waiting jobs are scanned in arrival order, each key keeps its order while other keys
 * overtake it.
 */
export class Dispatcher<J extends Job = Job> {
  private readonly waiting: J[] = [];
  private readonly busyKeys = new Set<string>();
  private active = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly concurrency: number,
    private readonly perKey: boolean,
  ) {}

  push(job: J): void {
    this.waiting.push(job);
    this.pump();
  }

  /** Removes waiting jobs (never started) that match; returns them. */
  discard(match: (job: J) => boolean): J[] {
    const removed: J[] = [];
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      if (match(this.waiting[i])) removed.unshift(...this.waiting.splice(i, 1));
    }
    return removed;
  }

  /** Resolves when no job is running. */
  idle(): Promise<void> {
    if (this.active === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    for (let i = 0; i < this.waiting.length && this.active < this.concurrency;) {
      const job = this.waiting[i];
      if (this.perKey && job.key !== undefined && this.busyKeys.has(job.key)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.start(job);
    }
  }

  private start(job: J): void {
    this.active++;
    const key = this.perKey ? job.key : undefined;
    if (key !== undefined) this.busyKeys.add(key);
    // Inline arrows, not a named `finish`: one pair is made per job.
    job.run().then(
      () => this.finish(key),
      () => this.finish(key),
    );
  }

  private finish(key: string | undefined): void {
    this.active--;
    if (key !== undefined) this.busyKeys.delete(key);
    if (this.active === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.pump();
  }
}
