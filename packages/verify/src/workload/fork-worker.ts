import { fork } from 'node:child_process';
import { dirname, extname, join } from 'node:path';
import { WorkerFailedError } from '../errors/worker-failed-error';
import { WORKER_ENV, type RunnerCommand, type WorkerConfig, type WorkerReport } from './protocol';

const OUTPUT_TAIL = 4_000;

/** A running workload process (or, for memory://, a workload running inside the runner). */
export interface Worker {
  readonly name: string;
  /** SIGKILLs the process (the fault: no drain, no ack, no goodbye). */
  kill(): void;
  /** The process has ended, by itself or by a signal. */
  hasExited(): boolean;
  /** How it ended (`1`, `SIGKILL`), once it has. */
  exitStatus(): string;
  /** Resolves with the exit code (null when ended by a signal), whatever the reason. */
  readonly exited: Promise<number | null>;
  /** Resolves once the worker's bus is started; rejects with `WorkerFailedError` if it ends first. */
  readonly ready: Promise<void>;
  /** The end of its stderr, for error reports. */
  output(): string;
  send(command: RunnerCommand): void;
}

/**
 * Forks `worker.ts` (through tsx, with the `polybus-source` condition, when running from sources)
 * or `worker.js` (built). The child runs in this package's directory so that `createBus({ url })`
 * finds the adapter packages installed next to it.
 */
export function forkWorker(config: WorkerConfig, onReport: (report: WorkerReport) => void): Worker {
  const fromSource = extname(__filename) === '.ts';
  const script = join(__dirname, `worker${fromSource ? '.ts' : '.js'}`);
  const child = fork(script, [], {
    cwd: packageDir(),
    env: { ...process.env, [WORKER_ENV]: JSON.stringify(config) },
    execArgv: fromSource ? ['--conditions=polybus-source', '--import', 'tsx'] : [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  // A send to a worker that is exiting fails with EPIPE; its exit is what the runner watches.
  child.on('error', () => undefined);
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-OUTPUT_TAIL);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let failure: string | undefined;
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (report: WorkerReport) => {
      if (report.type === 'ready') resolve();
      if (report.type === 'failed') failure = report.error;
      onReport(report);
    });
    void exited.then((code) =>
      reject(
        new WorkerFailedError(config.name, failure ?? `exited (${String(code)}) before it was ready`, tail),
      ),
    );
  });
  // Callers that never await `ready` (it settles either way) must not see an unhandled rejection.
  ready.catch(() => undefined);
  return {
    name: config.name,
    kill: () => child.kill('SIGKILL'),
    hasExited: () => child.exitCode !== null || child.signalCode !== null,
    exitStatus: () => String(child.exitCode ?? child.signalCode),
    exited,
    ready,
    output: () => (failure ? `${failure}\n${tail}` : tail),
    send: (command) => {
      if (child.connected) child.send(command, () => undefined);
    },
  };
}

/** `src/workload` or `dist/workload` → the package root. */
const packageDir = (): string => dirname(dirname(__dirname));
