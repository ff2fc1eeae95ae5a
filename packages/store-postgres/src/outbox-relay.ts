import type { Pool } from 'pg';
import {
  ConfigurationError,
  type BatchEntry,
  type Codec,
  type Logger,
  type PublishReceipt,
} from '@polybus/core';
import { withClient } from './checkout';
import { OutboxListener } from './listener';
import { relayBatch, type BatchContext } from './relay-batch';
import type { Tables } from './tables';
import { backoffDelay, integerOption, type BackoffPolicy } from '@polybus/core/transport';

/** What the relay publishes through: a started `Bus` (its publishBatch keeps id, key and headers). */
export interface RelayTarget {
  publishBatch(entries: readonly BatchEntry[]): Promise<PublishReceipt[]>;
}

export interface RelayOptions {
  /** Rows per transaction and per publishBatch call. Default 100. */
  batchSize?: number;
  /** Poll interval when no notification arrives (also the retry clock). Default 1 000 ms. */
  pollMs?: number;
  /** First retry delay of a row whose publish failed; doubles per attempt. Default 500 ms. */
  initialRetryDelayMs?: number;
  /** Longest retry delay. Default 60 000 ms. */
  maxRetryDelayMs?: number;
  /** How often published rows past retention are deleted. Default 60 000 ms. */
  cleanupIntervalMs?: number;
  /** Wake on LISTEN/NOTIFY (holds one pool connection). Default true. */
  listen?: boolean;
}

export interface RelayStats {
  published: number;
  failedAttempts: number;
  batches: number;
}

export interface OutboxRelay {
  readonly stats: Readonly<RelayStats>;
  /** Finishes the current batch, stops, releases the LISTEN connection. Idempotent. */
  stop(): Promise<void>;
}

interface RelayDeps {
  pool: Pool;
  tables: Tables;
  codec: Codec;
  logger: Logger;
  cleanup(): Promise<number>;
  target: RelayTarget;
  options: RelayOptions;
}

export function startRelay(deps: RelayDeps): OutboxRelay {
  const { pool, logger, options } = deps;
  if (!deps.target || typeof deps.target.publishBatch !== 'function')
    throw new ConfigurationError('bus', 'must be a Bus (publishBatch)');
  const pollMs = integerOption('pollMs', options.pollMs, 1_000);
  // After a failed round the next waits longer, doubling up to 30 s; a successful round resets it.
  const roundRetry: BackoffPolicy = {
    initialDelayMs: pollMs,
    maxDelayMs: 30_000,
    multiplier: 2,
    jitter: false,
  };
  const cleanupIntervalMs = integerOption('cleanupIntervalMs', options.cleanupIntervalMs, 60_000);
  const ctx: BatchContext = {
    table: deps.tables.outbox,
    codec: deps.codec,
    logger,
    target: deps.target,
    batchSize: integerOption('batchSize', options.batchSize, 100),
    initialDelayMs: integerOption('initialRetryDelayMs', options.initialRetryDelayMs, 500),
    maxDelayMs: integerOption('maxRetryDelayMs', options.maxRetryDelayMs, 60_000),
  };
  const stats: RelayStats = { published: 0, failedAttempts: 0, batches: 0 };
  let stopped = false;
  let woken = false;
  let wake: (() => void) | undefined;
  const signal = (): void => {
    woken = true;
    wake?.();
  };
  const listener =
    options.listen === false ? undefined : new OutboxListener(pool, deps.tables.outboxName, signal, logger);

  const idle = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (woken || stopped) return resolve();
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });

  const round = (): Promise<{ selected: number; published: number }> =>
    withClient(pool, async (client) => {
      await client.query('BEGIN');
      const outcome = await relayBatch(client, ctx);
      await client.query('COMMIT');
      stats.batches++;
      stats.published += outcome.published;
      stats.failedAttempts += outcome.failed;
      return outcome;
    });

  const loop = async (): Promise<void> => {
    let lastCleanup = 0;
    let failures = 0;
    while (!stopped) {
      await listener?.ensure();
      woken = false;
      let full = false;
      try {
        const outcome = await round();
        full = outcome.selected === ctx.batchSize && outcome.published > 0;
        failures = 0;
      } catch (error) {
        failures++;
        logger.warn('outbox relay: round failed; retrying', { error });
      }
      if (Date.now() - lastCleanup >= cleanupIntervalMs) {
        lastCleanup = Date.now();
        await deps
          .cleanup()
          .catch((error: unknown) => logger.warn('outbox relay: cleanup failed', { error }));
      }
      // a full batch means more rows wait; otherwise sleep until a NOTIFY, the poll, or stop
      if (!full) await idle(failures > 0 ? backoffDelay(failures + 1, roundRetry) : pollMs);
    }
  };

  const running = loop();
  let stopping: Promise<void> | undefined;
  return {
    stats,
    stop() {
      stopping ??= (async () => {
        stopped = true;
        wake?.();
        await running;
        await listener?.close();
      })();
      return stopping;
    },
  };
}
