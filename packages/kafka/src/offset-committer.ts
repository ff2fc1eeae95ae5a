import type { Logger } from '@polybus/core';
import type { PartitionTracker } from './partition-tracker';

export interface CommitTarget {
  readonly partition: number;
  readonly tracker: PartitionTracker;
  /** Set when the partition left this member: its offsets are no longer ours to commit. */
  revoked: boolean;
}

type CommitFn = (offsets: { topic: string; partition: number; offset: string }[]) => Promise<void>;

/**
 * Coalesces at-least-once commits: finished deliveries mark their partition dirty and one commit
 * request per interval carries every dirty partition's safe point (its lowest unfinished offset).
 * A failed commit (typically during a rebalance) is retried at the next interval.
 */
export class OffsetCommitter {
  private readonly dirty = new Set<CommitTarget>();
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly topic: string,
    private readonly commit: CommitFn,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  touch(target: CommitTarget): void {
    this.dirty.add(target);
    if (!this.timer && !this.stopped) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.intervalMs);
    }
  }

  /** Commits every dirty partition now; resolves when that commit (and any before it) finished. */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.commitDirty());
    return this.chain;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async commitDirty(): Promise<void> {
    const due: { target: CommitTarget; point: number }[] = [];
    for (const target of this.dirty) {
      const point = target.tracker.commitPoint();
      if (!target.revoked && point > target.tracker.committed) due.push({ target, point });
    }
    this.dirty.clear();
    if (due.length === 0) return;
    try {
      await this.commit(
        due.map(({ target, point }) => ({
          topic: this.topic,
          partition: target.partition,
          offset: String(point),
        })),
      );
      for (const { target, point } of due)
        target.tracker.committed = Math.max(target.tracker.committed, point);
    } catch (error) {
      this.logger.debug('kafka offset commit failed; retrying', {
        topic: this.topic,
        error: (error as Error).message,
      });
      for (const { target } of due) this.touch(target);
    }
  }
}
