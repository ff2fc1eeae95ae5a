import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tcpProxy, type TcpProxy } from '@polybus/conformance';
import { findAnomalies } from '../checker/find';
import { now } from '../ledger/events';
import { ledgerWriter } from '../ledger/ledger-writer';
import type { ReadLedger } from '../ledger/read-ledger';
import { preparePostgres } from '../store/postgres-effects';
import { brokerAddress } from '../network/broker-address';
import { faultDriver } from './fault-driver';
import { resolveOptions, type Profile, type WorkloadOptions, type WorkloadRequest } from './options';
import { runLedger } from './run-ledger';
import { specOf, writeResult, type VerifyResult } from './run-result';
import { superviseWorkers } from './supervisor';

export interface RunHooks {
  /** Progress lines for a human (the CLI prints them to stderr). */
  readonly log?: (line: string) => void;
}

const POLL_MS = 250;
/** Quiet time after the last expected outcome, so late duplicates still make it into the ledger. */
const QUIET_MS = 1_500;

/**
 * Runs the workload against `options.url`: consumers first (the group exists before anything is
 * published), then publishers, all through a TCP fault proxy when `cut` or `stall` is asked;
 * injects the faults (kills and restarts, cuts, stalls) one at a time on the seeded schedule; waits until
 * every acknowledged message has an outcome and the ledger is quiet (or `settleTimeoutMs` passes
 * without a new event); stops the consumers and checks the merged ledger. Rejects with
 * `WorkerFailedError` when a process fails on its own; the run then has no verdict.
 */
export async function runWorkload(
  given: WorkloadRequest,
  profile: Profile = 'default',
  hooks: RunHooks = {},
): Promise<VerifyResult> {
  const o = resolveOptions(given, profile);
  const log = hooks.log ?? (() => undefined);
  const startedMs = Date.now();
  const startedAt = now();
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'polybus-verify-'));
  mkdirSync(dir, { recursive: true });
  const topic = o.topic ?? `polybus-verify-${o.seed}-${Date.now().toString(36)}`;
  const runnerLedger = ledgerWriter(join(dir, 'runner.jsonl'));
  const record = runLedger(o, dir, topic);
  const faults = faultDriver(o, log);
  let proxy: TcpProxy | undefined;
  if (o.faults.some((f) => f === 'cut' || f === 'stall')) {
    const broker = brokerAddress(o.url);
    proxy = await tcpProxy(broker.host, broker.port);
  }
  const workers = superviseWorkers({
    options: o,
    dir,
    topic,
    proxy,
    allowed: (role) => (role === 'publisher' ? faults.publisherAllowed() : faults.allowed()),
  });
  const targets = workers.faultTargets(runnerLedger, log);

  let settled = false;
  let ledger: ReadLedger = { events: [], badLines: 0 };
  try {
    if (o.store === 'postgres') await preparePostgres(o.storeUrl, topic);
    await Promise.all(Array.from({ length: o.consumers }, (_, slot) => workers.startConsumer(slot)));
    log(`${o.consumers} consumers ready on ${topic}; publishing ${o.messages} messages`);
    faults.open();
    for (let p = 0; p < o.publishers; p++) workers.startPublisher(p);
    let seen = -1;
    let lastNews = Date.now();
    for (;;) {
      await sleep(POLL_MS);
      const failure = workers.failure();
      if (failure) throw failure;
      await faults.poll(workers, targets);
      // The runner's loop is the only one to replace a publisher: between two polls the slots hold the current ones.
      if (workers.publishing()) continue;
      const { events } = await record.collect();
      if (events.length !== seen) [seen, lastNews] = [events.length, Date.now()];
      const quiet = Date.now() - lastNews;
      const missing = findAnomalies(events, specOf(o)).lost.length;
      if (missing === 0 && faults.remaining() === 0 && quiet >= QUIET_MS) {
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
    await workers.stopAll();
    await proxy?.close();
    ledger = await record.finish();
  }

  return writeResult({ options: o, topic, dir, settled, startedAt, startedMs }, ledger);
}
