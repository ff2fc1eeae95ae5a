import {
  Headers,
  memoryIdempotencyStore,
  PermanentError,
  type BindOptions,
  type Bus,
  type IdempotencyStore,
} from '@polybus/core';
import { inboxClient } from '@polybus/store-postgres';
import { redisIdempotencyStore } from '@polybus/store-redis';
import { applyEffect, runInbox, verifyPool } from '../store/postgres-effects';
import { now } from '../ledger/events';
import type { LedgerWriter } from '../ledger/ledger-writer';
import { workerBus } from '../network/worker-bus';
import { failsPermanently, failsTransiently, isPoison, type WorkloadMessage } from './plan';
import type { WorkerConfig } from './protocol';

/**
 * Starts a consumer: the workload topic in the run's group, with the guarantee under test and a
 * handler whose failures are seeded (transient, permanent, poison: failing every attempt until the
 * retries are spent), and its dead-letter topic, whose arrivals are the ledger's
 * `dead-lettered` events. The `processed` line is the handler's effect: written (synchronously)
 * as its last step, so a delivery that is processed but not yet acked when the process dies shows.
 */
export async function startConsumer(
  config: WorkerConfig,
  ledger: LedgerWriter,
  onOutcome: () => void,
): Promise<Bus> {
  const o = config.options;
  const bus = await workerBus(config);
  const deadLetter = `${config.topic}.dlq`;

  bus.bind<WorkloadMessage>(
    config.topic,
    async (msg, ctx) => {
      const m = msg.body;
      if (failsPermanently(o, m.id)) throw new PermanentError('polybus-verify: seeded permanent failure');
      if (isPoison(o, m.id)) throw new Error('polybus-verify: seeded poison message (fails every attempt)');
      if (failsTransiently(o, m.id, ctx.attempt)) throw new Error('polybus-verify: seeded transient failure');
      const effect = { id: m.id, key: m.key, seq: m.seq, consumer: config.name, at: now() };
      // The inbox's effect is a row in its transaction (see postgres-effects.ts), not a ledger line.
      if (o.store === 'postgres') await applyEffect(inboxClient(ctx), config.topic, effect);
      else ledger.append({ type: 'processed', ...effect });
      onOutcome();
    },
    {
      group: config.group,
      guarantee: o.guarantee,
      concurrency: o.concurrency,
      ordering: o.ordering,
      deadLetter,
      ...guaranteeOptions(config),
    },
  );
  bus.bind<WorkloadMessage>(
    deadLetter,
    (msg) => {
      const reason = msg.headers[Headers.dlqReason] ?? 'unknown';
      ledger.append({ type: 'dead-lettered', id: msg.body.id, reason, at: now() });
      onOutcome();
    },
    // A dead letter that cannot be recorded is retried; it never needs a dead letter of its own.
    {
      group: `${config.group}.dlq`,
      guarantee: 'at-least-once',
      deadLetter: false,
      retry: { maxAttempts: 100 },
    },
  );
  await bus.start();
  return bus;
}

function guaranteeOptions(config: WorkerConfig): Partial<BindOptions<WorkloadMessage>> {
  const o = config.options;
  // At-most-once has no retries by definition (the core refuses `retry` with it).
  if (o.guarantee === 'at-most-once') return {};
  const retry = { maxAttempts: 5, initialDelayMs: 20, maxDelayMs: 500 };
  if (o.guarantee === 'at-least-once') return { retry };
  return { retry, idempotency: storeOf(config), idempotencyLockTtlMs: o.idempotencyLockTtlMs };
}

function storeOf(config: WorkerConfig): IdempotencyStore | undefined {
  const o = config.options;
  switch (o.store) {
    case 'redis':
      // One prefix per run: marks of an earlier run (same ids) must not make this one's look done.
      return redisIdempotencyStore({
        redis: o.storeUrl,
        prefix: `polybus:verify:${config.topic}:`,
        ttlSeconds: 3_600,
      });
    case 'postgres':
      // One connection per message in flight, and one for the cleanup.
      return runInbox(verifyPool(o.storeUrl, o.concurrency + 1), config.topic);
    case 'memory':
      return memoryIdempotencyStore();
    case 'none':
      return undefined;
  }
}
