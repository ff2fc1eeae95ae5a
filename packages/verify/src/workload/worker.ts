// Entry point of every workload child process (forked by the runner; see fork-worker.ts).
import { WORKER_ENV, type RunnerCommand, type WorkerConfig, type WorkerReport } from './protocol';
import { runRole } from './roles';

const send = (report: WorkerReport): void => {
  process.send?.(report);
};

async function main(): Promise<void> {
  const config = JSON.parse(process.env[WORKER_ENV] ?? 'null') as WorkerConfig | null;
  if (!config)
    throw new Error(`${WORKER_ENV} is not set: this script is started by the polybus-verify runner`);
  await runRole(config, {
    send,
    onCommand(listener) {
      const handler = (command: RunnerCommand) => listener(command);
      process.on('message', handler);
      return () => process.off('message', handler);
    },
    onDisconnect: (listener) => process.on('disconnect', listener),
  });
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    send({ type: 'failed', error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exitCode = 1;
    // Let the IPC message leave before the process ends.
    setTimeout(() => process.exit(1), 100);
  },
);
