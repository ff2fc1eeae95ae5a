// Entry point of every workload child process (forked by the runner; see fork-worker.ts).
import type { Bus } from '@polybus/core';
import { now } from '../ledger/events';
import { ledgerWriter, type LedgerWriter } from '../ledger/ledger-writer';
import { startConsumer } from './consumer';
import { WORKER_ENV, type RunnerCommand, type WorkerConfig, type WorkerReport } from './protocol';
import { publishGate } from './publish-gate';
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
    const gate = publishGate(config.allowed);
    const onCommand = (command: RunnerCommand) => {
      if (command.type === 'allow') gate.allow(command.fraction);
    };
    process.on('message', onCommand);
    // The runner is gone: publish the rest rather than wait for a word that will not come.
    process.on('disconnect', () => gate.allow(1));
    send({ type: 'ready' });
    await runPublisher(config, ledger, gate);
    process.off('message', onCommand);
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
  await recordHealth(bus, config, ledger);
  await bus.stop({ timeoutMs: 10_000 });
}

/**
 * The consumer's own view at the end of the run, long after the last fault: a bus whose
 * connection never came back says so here even when the other consumers did its work.
 */
async function recordHealth(bus: Bus, config: WorkerConfig, ledger: LedgerWriter): Promise<void> {
  const timedOut = new Promise<{ ok: false; error: string }>((resolve) =>
    setTimeout(() => resolve({ ok: false, error: 'bus.health() did not answer within 5 s' }), 5_000).unref(),
  );
  const health = await Promise.race([
    bus.health().catch((error: unknown) => ({ ok: false as const, error: String(error) })),
    timedOut,
  ]);
  const detail = health.ok ? undefined : JSON.stringify(health).slice(0, 1_000);
  ledger.append({
    type: 'consumer-health',
    consumer: config.name,
    ok: health.ok,
    ...(detail === undefined ? {} : { detail }),
    at: now(),
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
