import type { WorkloadOptions } from './options';

/** What a worker process is told to be, passed as JSON in `POLYBUS_VERIFY_WORKER`. */
export interface WorkerConfig {
  readonly role: 'publisher' | 'consumer';
  /** Publisher index, or consumer slot. */
  readonly index: number;
  /** Ledger identity of this process (a restarted consumer slot gets a new one). */
  readonly name: string;
  readonly ledgerPath: string;
  readonly topic: string;
  readonly group: string;
  /** The broker as this process reaches it: `options.url`, or through the runner's fault proxy. */
  readonly brokerUrl: string;
  /** The fault proxy's port on 127.0.0.1, when `cut` or `stall` is among the faults. */
  readonly proxyPort?: number;
  readonly options: WorkloadOptions;
  /** Publishers: the publish gate's fraction at start (see publish-gate.ts). */
  readonly allowed: number;
  /**
   * A restarted publisher: the ledgers of the processes that held its slot before. What they saw
   * acknowledged is not published again; everything else is, with the same id and idempotency key.
   */
  readonly resumeFrom?: readonly string[];
}

export const WORKER_ENV = 'POLYBUS_VERIFY_WORKER';

/** Worker → runner over the fork IPC channel. */
export type WorkerReport =
  | { readonly type: 'ready' }
  /** Consumers: outcomes (processed + dead-lettered events) written so far, sent at most every 100 ms. */
  | { readonly type: 'progress'; readonly outcomes: number }
  | { readonly type: 'failed'; readonly error: string };

/**
 * Runner → worker. A consumer told to stop stops its bus (drain, ack) and exits 0. A publisher
 * told to allow may publish further into its keys' messages (the publish gate's fraction).
 */
export type RunnerCommand = { readonly type: 'stop' } | { readonly type: 'allow'; readonly fraction: number };
