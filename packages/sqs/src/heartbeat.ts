import type { Logger } from '@polybus/core';
import type { Settler } from './settler';

interface Held {
  readonly queueUrl: string;
  extendedAt: number;
}

/**
 * Keeps received, unsettled messages invisible while their handler runs (or while they wait for
 * their FIFO group's turn): every `intervalMs` it pushes the visibility timeout of each message
 * held at least that long back to `visibilitySeconds` from now. The interval is below the timeout,
 * so a held message never reappears for another consumer while this process is alive.
 */
export class Heartbeat {
  private readonly held = new Map<string, Held>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly settler: Settler,
    private readonly visibilitySeconds: number,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  track(queueUrl: string, receiptHandle: string): void {
    this.held.set(receiptHandle, { queueUrl, extendedAt: Date.now() });
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.beat(), Math.max(50, Math.floor(this.intervalMs / 2)));
      this.timer.unref();
    }
  }

  /**
   * The timer keeps running while nothing is held (it is unref'd, and idle then): a busy consumer
   * empties and refills `held` many times a second, and rebuilding the interval each time cost more.
   */
  untrack(receiptHandle: string): void {
    this.held.delete(receiptHandle);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private beat(): void {
    const now = Date.now();
    for (const [handle, entry] of this.held) {
      if (now - entry.extendedAt < this.intervalMs) continue;
      entry.extendedAt = now;
      this.settler
        .changeVisibility(entry.queueUrl, handle, this.visibilitySeconds)
        .catch((error: unknown) => {
          // Usually the message was settled meanwhile or its receipt expired (then it is redelivered).
          if (this.held.has(handle))
            this.logger.warn('sqs: visibility heartbeat failed', { error: String(error) });
        });
    }
  }
}
