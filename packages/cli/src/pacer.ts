import { sleep } from '@polybus/core/transport';

/**
 * Spaces calls `1000 / perSecond` ms apart (a token bucket of one token): a replay at `--rate 50`
 * never publishes more than 50 letters in any second, and none faster after a pause. No rate: no wait.
 */
export class Pacer {
  private next = 0;

  constructor(private readonly perSecond?: number) {}

  /** Waits for the next slot; returns at once when `signal` aborts. */
  async take(signal?: AbortSignal): Promise<void> {
    if (this.perSecond === undefined) return;
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + 1000 / this.perSecond;
    await sleep(at - now, signal);
  }
}
