import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, type CheckResult } from '../checker/rules';
import type { RunSpec } from '../ledger/events';
import type { ReadLedger } from '../ledger/read-ledger';
import { htmlReport } from '../report/html-report';
import type { WorkloadOptions } from './options';

/** A finished run: the checker's verdict plus where and how it ran. */
export interface VerifyResult extends CheckResult {
  readonly options: WorkloadOptions;
  readonly topic: string;
  /** Holds the ledgers (`*.jsonl`), `result.json` and `report.html`. */
  readonly dir: string;
  /** False when the run stopped waiting after `settleTimeoutMs` without news: what is missing is lost. */
  readonly settled: boolean;
  readonly badLedgerLines: number;
  /** When the run began, on the ledgers' clock (`at`): the report's fault times count from it. */
  readonly startedAt: number;
  readonly durationMs: number;
}

/** Longest time from a handler's effect to its store's `complete` (the store's operation timeout). */
const CRASH_WINDOW_MS = 2_000;

export function specOf(o: WorkloadOptions): RunSpec {
  return {
    guarantee: o.guarantee,
    perKeyOrdering: o.ordering === 'per-key',
    // The Redis store and Kafka's own transactions apply an effect outside them before the mark
    // or commit: docs/exactly-once.md names that window. A per-process memory store has none, nor
    // has the PostgreSQL inbox (effect and mark commit together).
    crashWindowMs: o.store === 'memory' || o.store === 'postgres' ? 0 : CRASH_WINDOW_MS,
  };
}

/** How a run went, besides its events: what `writeResult` adds to the verdict. */
export interface RunFacts {
  readonly options: WorkloadOptions;
  readonly topic: string;
  readonly dir: string;
  readonly settled: boolean;
  readonly startedAt: number;
  /** `Date.now()` when the run began: `durationMs` runs until the verdict is in. */
  readonly startedMs: number;
}

/** Checks the merged ledger and writes `result.json` and `report.html` into the run directory. */
export function writeResult(run: RunFacts, ledger: ReadLedger): VerifyResult {
  const result: VerifyResult = {
    ...check(ledger.events, specOf(run.options)),
    options: run.options,
    topic: run.topic,
    dir: run.dir,
    settled: run.settled,
    badLedgerLines: ledger.badLines,
    startedAt: run.startedAt,
    durationMs: Date.now() - run.startedMs,
  };
  writeFileSync(join(run.dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(run.dir, 'report.html'), htmlReport(result, ledger.events));
  return result;
}
