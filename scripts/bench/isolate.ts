// Shared by the adapters' benchmark scripts: each side of a comparison in a process of its own.
import { fork, type ChildProcess } from 'node:child_process';

/**
 * Why: measured in one process, a side's figures depend on what ran before it in the same heap.
 * Another side's garbage, promoted objects and compiled code land in the next side's timing
 * window. In the Redis bench the raw loop with a handler per entry then cost the same CPU as the
 * loop without one (3.4 µs/msg both), against 5.0 and 3.6 in processes of their own. A worker runs
 * one side only, so its timings and CPU are its own, as in a deployment where a consumer process
 * does its own work; the parent orchestrates rounds and sees every side's results in the same run.
 */

/** A benchmark script's tasks, by name: each takes a JSON argument and returns JSON. */
export type Tasks = Record<string, (arg: never) => Promise<unknown>>;

/** One worker process: runs the script's tasks on request, one at a time. */
export interface Worker {
  run<T>(task: string, arg?: unknown): Promise<T>;
  close(): void;
}

const ROLE = 'POLYBUS_BENCH_WORKER';

/** True in a worker process (the script then calls `serve` instead of its main). */
export const isWorker = (): boolean => process.env[ROLE] === '1';

/**
 * Starts `script` again as a worker (same Node flags, so the TypeScript loader and the
 * `polybus-source` condition carry over), with `env` added to this process's environment. Results
 * come back over the IPC channel; a task that fails rejects with its message.
 */
export function startWorker(script: string, env: NodeJS.ProcessEnv = {}): Worker {
  const child: ChildProcess = fork(script, [], { env: { ...process.env, ...env, [ROLE]: '1' } });
  let pending: { resolve(value: unknown): void; reject(error: Error): void } | undefined;
  child.on('message', (reply: { ok: boolean; value?: unknown; error?: string }) => {
    const waiting = pending;
    pending = undefined;
    if (reply.ok) waiting?.resolve(reply.value);
    else waiting?.reject(new Error(reply.error));
  });
  child.on('exit', (code) => pending?.reject(new Error(`bench worker exited (${code})`)));
  return {
    run<T>(task: string, arg?: unknown): Promise<T> {
      if (pending) return Promise.reject(new Error('a worker runs one task at a time'));
      return new Promise<T>((resolve, reject) => {
        pending = { resolve: resolve as (value: unknown) => void, reject };
        child.send({ task, arg });
      });
    },
    close: () => void child.disconnect(),
  };
}

/** In a worker: answers the parent's requests until it disconnects. */
export function serve(tasks: Tasks): void {
  process.on('message', (request: { task: string; arg: never }) => {
    const task = tasks[request.task];
    const running = task ? task(request.arg) : Promise.reject(new Error(`no task ${request.task}`));
    running.then(
      (value) => process.send?.({ ok: true, value }),
      (error: unknown) => process.send?.({ ok: false, error: String((error as Error)?.stack ?? error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
