import { join } from 'node:path';
import type { TcpProxy } from '@polybus/conformance';
import { WorkerFailedError } from '../errors/worker-failed-error';
import type { LedgerWriter } from '../ledger/ledger-writer';
import { throughProxy } from '../network/broker-address';
import { forkWorker, type Worker } from './fork-worker';
import { inProcessWorker } from './in-process-worker';
import { publishInFlight } from './in-flight';
import type { FaultTargets } from './inject-fault';
import { isMemoryUrl, type WorkloadOptions } from './options';
import type { WorkerConfig } from './protocol';

export interface SupervisorSetup {
  readonly options: WorkloadOptions;
  readonly dir: string;
  readonly topic: string;
  /** The fault proxy every worker reaches the broker through, when `cut` or `stall` is asked. */
  readonly proxy: TcpProxy | undefined;
  /** The publish gate's fraction a worker of `role` starts with (see publish-gate.ts). */
  allowed(role: WorkerConfig['role']): number;
}

/**
 * The run's worker processes, by slot: a slot's consumer or publisher is replaced after a kill, under
 * a new name (`consumer-<slot>.<generation>`, `publisher-<slot>.<generation>`). A worker that ends
 * without being ended on purpose (a kill, `stop`) is a failure of the run.
 */
export interface Supervisor {
  /** Starts a consumer in `slot`; resolves with its name once its bus is started. */
  startConsumer(slot: number): Promise<string>;
  /** Starts a publisher in `slot`, resuming after what the slot's earlier publishers saw acknowledged. */
  startPublisher(slot: number): Worker;
  /** Outcomes (processed + dead-lettered) the consumers have reported, over every process of every slot. */
  outcomes(): number;
  /** The first worker that failed on its own, if any. */
  failure(): WorkerFailedError | undefined;
  /** Some publisher has not exited yet. */
  publishing(): boolean;
  /** Tells every publisher how far into its keys' messages it may publish. */
  allow(fraction: number): void;
  /** The consumers and publishers, as the faults reach them. */
  faultTargets(ledger: LedgerWriter, log: (line: string) => void): FaultTargets;
  /** Stops every worker still running (see `end`). */
  stopAll(): Promise<void>;
}

export function superviseWorkers(setup: SupervisorSetup): Supervisor {
  const { options: o, dir, topic, proxy } = setup;
  const consumers: Worker[] = [];
  const publishers: Worker[] = [];
  const publisherLedgers: string[][] = [];
  const ended = new Set<Worker>(); // workers the runner ended on purpose
  const outcomes = new Map<string, number>();
  const failures: WorkerFailedError[] = [];
  const generation: number[] = [];
  // memory://: the broker lives in this process, so the workload must too (in-process-worker.ts).
  const spawnWorker = isMemoryUrl(o.url) ? inProcessWorker : forkWorker;

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
      allowed: setup.allowed(role),
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

  return {
    startConsumer,
    startPublisher,
    outcomes: () => [...outcomes.values()].reduce((a, b) => a + b, 0),
    failure: () => failures[0],
    publishing: () => publishers.some((p) => !p.hasExited()),
    allow(fraction) {
      for (const p of publishers) p.send({ type: 'allow', fraction });
    },
    faultTargets: (ledger, log) => ({
      brokerRestartCmd: o.brokerRestartCmd,
      publisherIn: (slot) => (publishers[slot].hasExited() ? undefined : publishers[slot].name),
      killPublisher: async (slot, onKill, onExit) => {
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
      ledger,
      log,
      consumerIn: (slot) => consumers[slot].name,
      kill: async (slot) => {
        const victim = consumers[slot];
        ended.add(victim);
        victim.kill();
        await victim.exited;
      },
      restart: startConsumer,
    }),
    stopAll: async () => {
      await Promise.all([...consumers, ...publishers].map((w) => end(w, ended)));
    },
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
