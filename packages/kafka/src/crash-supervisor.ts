import type { Consumer, ConsumerRunConfig } from 'kafkajs';
import type { Logger } from '@polybus/core';
import { backoffDelay, type BackoffPolicy } from '@polybus/core/transport';

/** Restarts of a consumer that kafkajs stopped for good: 1 s doubling to 30 s. */
const CRASH_RESTART_BACKOFF: BackoffPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: false,
};

export interface CrashSupervisorDeps {
  readonly consumer: Consumer;
  readonly runConfig: ConsumerRunConfig;
  readonly logger: Logger;
  readonly group: string;
  readonly topic: string;
  closing(): boolean;
  /** kafkajs left the group: every partition is given up. */
  lostPartitions(): void;
}

/**
 * Keeps a subscription's kafkajs consumer running. kafkajs has already left the group when it
 * reports a crash, so every partition is given up: their in-flight deliveries are never committed
 * and come back to whoever owns the partition next. After a retriable error kafkajs starts the
 * consumer again itself; after any other (a TypeError inside kafkajs, say) it stops for good, and so
 * would the binding, in silence. This starts it again, with a backoff from 1 s doubling to 30 s,
 * until it joins (`joined` resets the backoff).
 */
export class CrashSupervisor {
  private crashes = 0;
  private timer?: NodeJS.Timeout;

  constructor(private readonly deps: CrashSupervisorDeps) {}

  get runConfig(): ConsumerRunConfig {
    return this.deps.runConfig;
  }

  joined(): void {
    this.crashes = 0;
  }

  crashed(error: Error, restartsItself: boolean): void {
    const { logger, group, topic } = this.deps;
    const cause = (error as { cause?: Error } | undefined)?.cause;
    this.deps.lostPartitions();
    if (this.deps.closing()) return;
    const delayMs = restartsItself ? undefined : backoffDelay(++this.crashes, CRASH_RESTART_BACKOFF);
    logger.warn('kafka consumer crashed', {
      group,
      topic,
      error: error?.message,
      cause: cause?.stack ?? cause?.message,
      restart: restartsItself ? 'by kafkajs' : `in ${delayMs} ms`,
    });
    if (delayMs === undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.deps.closing()) return;
      void (async () => {
        await this.deps.consumer.connect();
        await this.deps.consumer.run(this.deps.runConfig);
      })().catch((failure: Error) => this.crashed(failure, false));
    }, delayMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
