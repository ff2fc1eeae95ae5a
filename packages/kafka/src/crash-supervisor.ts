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

/** A consumer that stays up this long after joining is healthy again: its backoff starts over. */
export const STABLE_MS = 60_000;
/** Crashes in a row, each within STABLE_MS of its join, that make a crash loop (health says so). */
const LOOP_CRASHES = 3;

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
 * would the binding, in silence. This starts it again, with a backoff from 1 s doubling to 30 s.
 * Joining is not recovery: a batch that crashes the consumer each time does so right after the
 * join, so the backoff starts over only once the consumer stayed up STABLE_MS after joining.
 */
export class CrashSupervisor {
  private crashes = 0;
  private joinedAt: number | undefined;
  private lastCrash: { at: number; error: string } | undefined;
  private timer?: NodeJS.Timeout;

  constructor(private readonly deps: CrashSupervisorDeps) {}

  get runConfig(): ConsumerRunConfig {
    return this.deps.runConfig;
  }

  joined(): void {
    this.joinedAt = Date.now();
  }

  /** Crashing again and again (LOOP_CRASHES in a row, the last within STABLE_MS): for health. */
  get looping(): { crashes: number; error: string } | undefined {
    const last = this.lastCrash;
    if (this.crashes < LOOP_CRASHES || last === undefined || Date.now() - last.at > STABLE_MS)
      return undefined;
    return { crashes: this.crashes, error: last.error };
  }

  crashed(error: Error, restartsItself: boolean): void {
    const { logger, group, topic } = this.deps;
    const cause = (error as { cause?: Error } | undefined)?.cause;
    this.deps.lostPartitions();
    if (this.deps.closing()) return;
    const now = Date.now();
    if (this.joinedAt !== undefined && now - this.joinedAt >= STABLE_MS) this.crashes = 0;
    this.joinedAt = undefined;
    this.crashes++;
    this.lastCrash = { at: now, error: error?.message ?? String(error) };
    const delayMs = restartsItself ? undefined : backoffDelay(this.crashes, CRASH_RESTART_BACKOFF);
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
