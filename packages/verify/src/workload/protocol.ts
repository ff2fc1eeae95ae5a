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
  readonly options: WorkloadOptions;
}

export const WORKER_ENV = 'POLYBUS_VERIFY_WORKER';

/** Worker → runner over the fork IPC channel. */
export type WorkerReport =
  | { readonly type: 'ready' }
  /** Consumers: outcomes (processed + dead-lettered events) written so far, sent at most every 100 ms. */
  | { readonly type: 'progress'; readonly outcomes: number }
  | { readonly type: 'failed'; readonly error: string };

/** Runner → worker. A consumer told to stop stops its bus (drain, ack) and exits 0. */
export type RunnerCommand = { readonly type: 'stop' };
