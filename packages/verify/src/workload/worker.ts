// Entry point of every workload child process (forked by the runner; see fork-worker.ts).
import type { Bus } from '@polybus/core';
import { ledgerWriter } from '../ledger/ledger-writer';
import { startConsumer } from './consumer';
import { WORKER_ENV, type RunnerCommand, type WorkerConfig, type WorkerReport } from './protocol';
import { runPublisher } from './publisher';

const send = (report: WorkerReport): void => {
  process.send?.(report);
};

async function main(): Promise<void> {
  const config = JSON.parse(process.env[WORKER_ENV] ?? 'null') as WorkerConfig | null;
  if (!config)
    throw new Error(`${WORKER_ENV} is not set: this script is started by the polybus-verify runner`);
  const ledger = ledgerWriter(config.ledgerPath);
  if (config.role === 'publisher') {
    send({ type: 'ready' });
    await runPublisher(config, ledger);
    return;
  }
  let outcomes = 0;
  let reported = 0;
  const timer = setInterval(() => {
    if (outcomes !== reported) send({ type: 'progress', outcomes: (reported = outcomes) });
  }, 100);
  const bus: Bus = await startConsumer(config, ledger, () => outcomes++);
  send({ type: 'ready' });
  await new Promise<void>((resolve) => {
    process.on('message', (command: RunnerCommand) => {
      if (command.type === 'stop') resolve();
    });
    // The runner is gone: nobody will read what this process does.
    process.on('disconnect', resolve);
  });
  clearInterval(timer);
  await bus.stop({ timeoutMs: 10_000 });
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
