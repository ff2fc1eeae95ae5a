import { WorkerFailedError } from '../errors/worker-failed-error';
import type { Worker } from './fork-worker';
import type { RunnerCommand, WorkerConfig, WorkerReport } from './protocol';
import { runRole } from './roles';

/**
 * A workload role run inside the runner's own process, for `memory://`: the memory transport's
 * broker lives in the process that created it (a namespace is a module-level map), so a forked
 * worker would get a broker of its own and see nothing of the others'. Same roles, same ledgers;
 * it cannot be SIGKILLed, so the process faults are refused for memory:// (see options.ts).
 */
export function inProcessWorker(config: WorkerConfig, onReport: (report: WorkerReport) => void): Worker {
  const listeners = new Set<(command: RunnerCommand) => void>();
  let resolveReady!: () => void;
  let rejectReady!: (error: WorkerFailedError) => void;
  const ready = new Promise<void>((resolve, reject) => ([resolveReady, rejectReady] = [resolve, reject]));
  ready.catch(() => undefined);
  let status: string | undefined;
  let failure = '';
  const exited = runRole(config, {
    send: (report) => {
      if (report.type === 'ready') resolveReady();
      onReport(report);
    },
    onCommand: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onDisconnect: () => undefined,
  }).then(
    () => {
      status = '0';
      rejectReady(new WorkerFailedError(config.name, 'ended before it was ready', ''));
      return 0;
    },
    (error: unknown) => {
      status = '1';
      failure = error instanceof Error ? (error.stack ?? error.message) : String(error);
      rejectReady(new WorkerFailedError(config.name, failure, ''));
      return 1;
    },
  );
  return {
    name: config.name,
    // Nothing to kill: the process faults are refused for memory://, and a stop that hangs is the
    // runner's own process hanging (no separate process to end).
    kill: () => undefined,
    hasExited: () => status !== undefined,
    exitStatus: () => status ?? 'running',
    exited,
    ready,
    output: () => failure,
    // Asynchronous, as over IPC: a command never runs inside the runner's own call.
    send: (command) => setImmediate(() => listeners.forEach((listener) => listener(command))),
  };
}
