import type { Bus } from '@polybus/core';
import { now } from '../ledger/events';
import { ledgerWriter, type LedgerWriter } from '../ledger/ledger-writer';
import { startConsumer } from './consumer';
import type { RunnerCommand, WorkerConfig, WorkerReport } from './protocol';
import { publishGate } from './publish-gate';
import { runPublisher } from './publisher';

/** How a worker talks to the runner: the fork IPC channel, or a direct call in one process (memory://). */
export interface RunnerChannel {
  send(report: WorkerReport): void;
  /** Calls `listener` for every command; returns the unsubscribe. */
  onCommand(listener: (command: RunnerCommand) => void): () => void;
  /** Calls `listener` once the runner is gone (the IPC channel closed). */
  onDisconnect(listener: () => void): void;
}

/** Runs one publisher or consumer until it is done (publisher) or told to stop (consumer). */
export async function runRole(config: WorkerConfig, channel: RunnerChannel): Promise<void> {
  const ledger = ledgerWriter(config.ledgerPath);
  if (config.role === 'publisher') {
    const gate = publishGate(config.allowed);
    const off = channel.onCommand((command) => {
      if (command.type === 'allow') gate.allow(command.fraction);
    });
    // The runner is gone: publish the rest rather than wait for a word that will not come.
    channel.onDisconnect(() => gate.allow(1));
    channel.send({ type: 'ready' });
    await runPublisher(config, ledger, gate);
    off();
    return;
  }
  let outcomes = 0;
  let reported = 0;
  const timer = setInterval(() => {
    if (outcomes !== reported) channel.send({ type: 'progress', outcomes: (reported = outcomes) });
  }, 100);
  const bus: Bus = await startConsumer(config, ledger, () => outcomes++);
  channel.send({ type: 'ready' });
  await new Promise<void>((resolve) => {
    channel.onCommand((command) => {
      if (command.type === 'stop') resolve();
    });
    // The runner is gone: nobody will read what this process does.
    channel.onDisconnect(resolve);
  });
  clearInterval(timer);
  if (outcomes !== reported) channel.send({ type: 'progress', outcomes });
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
