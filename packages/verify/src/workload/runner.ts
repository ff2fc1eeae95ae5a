import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tcpProxy, type TcpProxy } from '@polybus/conformance';
import { check, type CheckResult } from '../checker/rules';
import { findAnomalies } from '../checker/find';
import { WorkerFailedError } from '../errors/worker-failed-error';
import { now, type RunSpec } from '../ledger/events';
import { ledgerWriter } from '../ledger/ledger-writer';
import { readLedgerDir } from '../ledger/read-ledger';
import { brokerAddress, throughProxy } from '../network/broker-address';
import { forkWorker, type Worker } from './fork-worker';
import { injectFault } from './inject-fault';
import { resolveOptions, type Profile, type WorkloadOptions } from './options';
import { faultSchedule } from './plan';
import { gateFraction } from './publish-gate';
import type { WorkerConfig } from './protocol';

/** A finished run: the checker's verdict plus where and how it ran. */
export interface VerifyResult extends CheckResult {
  readonly options: WorkloadOptions;
  readonly topic: string;
  /** Holds the ledgers (`*.jsonl`) and `result.json`. */
  readonly dir: string;
  /** False when the run stopped waiting after `settleTimeoutMs` without news: what is missing is lost. */
  readonly settled: boolean;
  readonly badLedgerLines: number;
  /** When the run began, on the ledgers' clock (`at`): the report's fault times count from it. */
  readonly startedAt: number;
  readonly durationMs: number;
}

export interface RunHooks {
  /** Progress lines for a human (the CLI prints them to stderr). */
  readonly log?: (line: string) => void;
}

const POLL_MS = 250;
/** Quiet time after the last expected outcome, so late duplicates still make it into the ledger. */
const QUIET_MS = 1_500;
/** Longest time from a handler's effect to its store's `complete` (the store's operation timeout). */
const CRASH_WINDOW_MS = 2_000;

/**
 * Runs the workload against `options.url`: consumers first (the group exists before anything is
 * published), then publishers, all through a TCP fault proxy when `cut` or `stall` is asked;
 * injects the faults (kills and restarts, cuts, stalls) one at a time on the seeded schedule; waits until
 * every acknowledged message has an outcome and the ledger is quiet (or `settleTimeoutMs` passes
 * without a new event); stops the consumers and checks the merged ledger. Rejects with
 * `WorkerFailedError` when a process fails on its own; the run then has no verdict.
 */
export async function runWorkload(
  given: Partial<WorkloadOptions> & Pick<WorkloadOptions, 'url'>,
  profile: Profile = 'default',
  hooks: RunHooks = {},
): Promise<VerifyResult> {
  const o = resolveOptions(given, profile);
  const log = hooks.log ?? (() => undefined);
  const started = Date.now();
  const startedAt = now();
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'polybus-verify-'));
  mkdirSync(dir, { recursive: true });
  const topic = o.topic ?? `polybus-verify-${o.seed}-${Date.now().toString(36)}`;
  const runnerLedger = ledgerWriter(join(dir, 'runner.jsonl'));
  const consumers: Worker[] = [];
  const publishers: Worker[] = [];
  const ended = new Set<Worker>(); // workers the runner ended on purpose
  const outcomes = new Map<string, number>();
  const failures: WorkerFailedError[] = [];
  const generation: number[] = [];
  const schedule = faultSchedule(o);
  // The publishers may go a lead ahead of the next fault, or of the outcomes so far once those are
  // past it (the next fault also waits for work after the last one, which needs messages to do).
  const allowed = (total = 0) =>
    gateFraction(schedule.length === 0 ? undefined : Math.max(schedule[0].afterOutcomes, total), o.messages);
  const networkFaults = o.faults.some((f) => f === 'cut' || f === 'stall');
  let proxy: TcpProxy | undefined;
  if (networkFaults) {
    const broker = brokerAddress(o.url);
    proxy = await tcpProxy(broker.host, broker.port);
  }

  const start = (role: WorkerConfig['role'], index: number, name: string): Worker => {
    const config: WorkerConfig = {
      role,
      index,
      name,
      topic,
      group: `${topic}.group`,
      brokerUrl: proxy ? throughProxy(o.url, proxy.port) : o.url,
      ...(proxy && { proxyPort: proxy.port }),
      ledgerPath: join(dir, `${name}.jsonl`),
      options: o,
      allowed: allowed(),
    };
    const worker = forkWorker(config, (report) => {
      if (report.type === 'progress') outcomes.set(name, report.outcomes);
    });
    void worker.exited.then((code) => {
      if (code !== 0 && !ended.has(worker))
        worker.ready.then(
          () => failures.push(failed(worker, `exited with ${String(code ?? worker.child.signalCode)}`)),
          (error: WorkerFailedError) => failures.push(error),
        );
    });
    return worker;
  };
  const startConsumer = async (slot: number): Promise<string> => {
    generation[slot] = (generation[slot] ?? -1) + 1;
    const worker = start('consumer', slot, `consumer-${slot}.${generation[slot]}`);
    consumers[slot] = worker;
    await worker.ready;
    return worker.name;
  };
  const targets = {
    proxy,
    ledger: runnerLedger,
    log,
    consumerIn: (slot: number) => consumers[slot].name,
    kill: async (slot: number) => {
      const victim = consumers[slot];
      ended.add(victim);
      victim.child.kill('SIGKILL');
      await victim.exited;
    },
    restart: startConsumer,
  };

  let settled = false;
  try {
    await Promise.all(Array.from({ length: o.consumers }, (_, slot) => startConsumer(slot)));
    log(`${o.consumers} consumers ready on ${topic}; publishing ${o.messages} messages`);
    for (let p = 0; p < o.publishers; p++) publishers.push(start('publisher', p, `publisher-${p}`));
    let publishing = true;
    void Promise.all(publishers.map((p) => p.exited)).then(() => (publishing = false));
    let injected = 0;
    let outcomesSeen = -1;
    let lastOutcome = Date.now();
    let outcomesAtLastFault = -1;
    let seen = -1;
    let lastNews = Date.now();
    for (;;) {
      await sleep(POLL_MS);
      if (failures.length > 0) throw failures[0];
      const total = [...outcomes.values()].reduce((a, b) => a + b, 0);
      if (total !== outcomesSeen) [outcomesSeen, lastOutcome] = [total, Date.now()];
      // The next fault waits for its share of outcomes and for work to resume after the last one,
      // so each recovery is measured on its own.
      if (schedule.length > 0 && total >= schedule[0].afterOutcomes && total > outcomesAtLastFault) {
        const fault = schedule.shift()!;
        // Let the publishers on towards the next fault while this one is injected.
        for (const p of publishers) p.send({ type: 'allow', fraction: allowed(total) });
        await injectFault(fault, injected++, targets);
        outcomesAtLastFault = [...outcomes.values()].reduce((a, b) => a + b, 0);
        for (const p of publishers) p.send({ type: 'allow', fraction: allowed(outcomesAtLastFault) });
      }
      if (schedule.length > 0 && Date.now() - lastOutcome >= o.settleTimeoutMs) {
        // Outcomes stopped short of the next fault (messages went missing): no more faults.
        log(
          `no outcome for ${o.settleTimeoutMs} ms before ${schedule[0].fault}: skipping the remaining faults`,
        );
        schedule.length = 0;
        for (const p of publishers) p.send({ type: 'allow', fraction: 1 });
      }
      if (publishing) continue;
      const { events } = readLedgerDir(dir);
      if (events.length !== seen) [seen, lastNews] = [events.length, Date.now()];
      const quiet = Date.now() - lastNews;
      const missing = findAnomalies(events, specOf(o)).lost.length;
      if (missing === 0 && schedule.length === 0 && quiet >= QUIET_MS) {
        settled = true;
        break;
      }
      if (quiet >= o.settleTimeoutMs) {
        log(`no news for ${o.settleTimeoutMs} ms with ${missing} messages unaccounted for: stopping`);
        break;
      }
    }
  } finally {
    // A run that failed mid-stall must not leave the workers unheard while they are told to stop.
    proxy?.resume();
    await Promise.all([...consumers, ...publishers].map((w) => end(w, ended)));
    await proxy?.close();
  }

  const ledger = readLedgerDir(dir);
  const result: VerifyResult = {
    ...check(ledger.events, specOf(o)),
    options: o,
    topic,
    dir,
    settled,
    badLedgerLines: ledger.badLines,
    startedAt,
    durationMs: Date.now() - started,
  };
  writeFileSync(join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

export function specOf(o: WorkloadOptions): RunSpec {
  return {
    guarantee: o.guarantee,
    perKeyOrdering: o.ordering === 'per-key',
    // The Redis store and Kafka's own transactions apply an effect outside them before the mark
    // or commit: docs/exactly-once.md names that window. A per-process memory store has none.
    crashWindowMs: o.store === 'memory' ? 0 : CRASH_WINDOW_MS,
  };
}

/** Stops a worker: a consumer drains and exits when told; one that does not within 15 s is killed. */
async function end(worker: Worker, ended: Set<Worker>): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  ended.add(worker);
  worker.send({ type: 'stop' });
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), 15_000);
  await worker.exited;
  clearTimeout(timer);
}

function failed(worker: Worker, reason: string): WorkerFailedError {
  return new WorkerFailedError(worker.name, reason, worker.output());
}
