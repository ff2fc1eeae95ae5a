import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tcpProxy, type TcpProxy } from '@polybus/conformance';
import { check, type CheckResult } from '../checker/rules';
import { findAnomalies } from '../checker/find';
import { WorkerFailedError } from '../errors/worker-failed-error';
import { now, type LedgerEvent, type RunSpec } from '../ledger/events';
import { ledgerWriter } from '../ledger/ledger-writer';
import { readLedgerDir, type ReadLedger } from '../ledger/read-ledger';
import { htmlReport } from '../report/html-report';
import { effectsReader, preparePostgres } from '../store/postgres-effects';
import { brokerAddress, throughProxy } from '../network/broker-address';
import { forkWorker, type Worker } from './fork-worker';
import { inProcessWorker } from './in-process-worker';
import { publishInFlight } from './in-flight';
import { injectFault } from './inject-fault';
import { isMemoryUrl, resolveOptions, type Profile, type WorkloadOptions } from './options';
import { faultSchedule } from './plan';
import { gateFraction } from './publish-gate';
import type { WorkerConfig } from './protocol';

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
  const publisherLedgers: string[][] = [];
  const ended = new Set<Worker>(); // workers the runner ended on purpose
  const outcomes = new Map<string, number>();
  const failures: WorkerFailedError[] = [];
  const generation: number[] = [];
  // memory://: the broker lives in this process, so the workload must too (in-process-worker.ts).
  const spawnWorker = isMemoryUrl(o.url) ? inProcessWorker : forkWorker;
  // --store postgres: the effects are rows (postgres-effects.ts), read with the ledgers.
  const effects = o.store === 'postgres' ? effectsReader(o.storeUrl, topic) : undefined;
  const collect = async (): Promise<ReadLedger> => {
    const ledger = readLedgerDir(dir);
    if (!effects) return ledger;
    const merged: LedgerEvent[] = [...ledger.events, ...(await effects.read())];
    return { events: merged.sort((a, b) => a.at - b.at), badLines: ledger.badLines };
  };
  let allowedNow = 0;
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
      allowed: role === 'publisher' ? allowedNow : allowed(),
      ...(role === 'publisher' && { resumeFrom: publisherLedgers[index].slice(0, -1) }),
    };
    const worker = spawnWorker(config, (report) => {
      if (report.type === 'progress') outcomes.set(name, report.outcomes);
    });
    void worker.exited.then((code) => {
      if (code !== 0 && !ended.has(worker))
        worker.ready.then(
          () => failures.push(failed(worker, `exited with ${worker.exitStatus()}`)),
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
  const startPublisher = (slot: number): Worker => {
    const name = `publisher-${slot}.${publisherLedgers[slot]?.length ?? 0}`;
    (publisherLedgers[slot] ??= []).push(join(dir, `${name}.jsonl`));
    const worker = start('publisher', slot, name);
    publishers[slot] = worker;
    return worker;
  };
  const targets = {
    brokerRestartCmd: o.brokerRestartCmd,
    publisherIn: (slot: number) => (publishers[slot].hasExited() ? undefined : publishers[slot].name),
    killPublisher: async (slot: number, onKill: (inFlight: boolean) => void, onExit: () => void) => {
      const victim = publishers[slot];
      // Aim at a publish in flight (the case to judge with care); kill anyway after 3 s.
      onKill(await publishInFlight(publisherLedgers[slot][publisherLedgers[slot].length - 1], 3_000));
      ended.add(victim);
      victim.kill();
      await victim.exited;
      onExit();
      const replacement = startPublisher(slot);
      await replacement.ready;
      return replacement.name;
    },
    proxy,
    ledger: runnerLedger,
    log,
    consumerIn: (slot: number) => consumers[slot].name,
    kill: async (slot: number) => {
      const victim = consumers[slot];
      ended.add(victim);
      victim.kill();
      await victim.exited;
    },
    restart: startConsumer,
  };

  let settled = false;
  let ledger: ReadLedger = { events: [], badLines: 0 };
  try {
    if (o.store === 'postgres') await preparePostgres(o.storeUrl, topic);
    await Promise.all(Array.from({ length: o.consumers }, (_, slot) => startConsumer(slot)));
    log(`${o.consumers} consumers ready on ${topic}; publishing ${o.messages} messages`);
    allowedNow = allowed();
    for (let p = 0; p < o.publishers; p++) startPublisher(p);
    // The runner's loop is the only one to replace a publisher: between two polls the slots hold the current ones.
    const publishing = () => publishers.some((p) => !p.hasExited());
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
        allowedNow = allowed(total);
        for (const p of publishers) p.send({ type: 'allow', fraction: allowedNow });
        await injectFault(fault, injected++, targets);
        outcomesAtLastFault = [...outcomes.values()].reduce((a, b) => a + b, 0);
        allowedNow = Math.max(allowedNow, allowed(outcomesAtLastFault));
        for (const p of publishers) p.send({ type: 'allow', fraction: allowedNow });
      }
      if (schedule.length > 0 && Date.now() - lastOutcome >= o.settleTimeoutMs) {
        // Outcomes stopped short of the next fault (messages went missing): no more faults.
        log(
          `no outcome for ${o.settleTimeoutMs} ms before ${schedule[0].fault}: skipping the remaining faults`,
        );
        schedule.length = 0;
        allowedNow = 1;
        for (const p of publishers) p.send({ type: 'allow', fraction: 1 });
      }
      if (publishing()) continue;
      const { events } = await collect();
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
    try {
      ledger = await collect();
      if (effects) {
        // The run directory alone is then enough to check the run again (readLedgerDir + check).
        const rows = ledger.events.filter((e) => e.type === 'processed');
        writeFileSync(
          join(dir, 'postgres-effects.jsonl'),
          rows.map((e) => `${JSON.stringify(e)}\n`).join(''),
        );
        await effects.drop();
      }
    } finally {
      await effects?.close();
    }
  }

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
  writeFileSync(join(dir, 'report.html'), htmlReport(result, ledger.events));
  return result;
}

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

/** Stops a worker: a consumer drains and exits when told; one that does not within 15 s is killed. */
async function end(worker: Worker, ended: Set<Worker>): Promise<void> {
  if (worker.hasExited()) return;
  ended.add(worker);
  worker.send({ type: 'stop' });
  const timer = setTimeout(() => worker.kill(), 15_000);
  await worker.exited;
  clearTimeout(timer);
}

function failed(worker: Worker, reason: string): WorkerFailedError {
  return new WorkerFailedError(worker.name, reason, worker.output());
}
