import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { now } from '../ledger/events';
import { parseLedger } from '../ledger/read-ledger';
import type { LedgerWriter } from '../ledger/ledger-writer';
import { workerBus } from '../network/worker-bus';
import { publisherPlan, publishesTwice, type WorkloadMessage } from './plan';
import type { PublishGate } from './publish-gate';
import type { WorkerConfig } from './protocol';

/** Backoff between tries of one rejected publish: a broker that is cut off comes back in seconds. */
const RETRY_DELAYS_MS = [100, 250, 500, 1_000];
/** A message still rejected after this long is left rejected (the run goes on; it is not lost). */
const GIVE_UP_AFTER_MS = 120_000;

/**
 * Publishes this publisher's share: each key's messages one after the other (awaiting each
 * acknowledgement, so publish order is the ledger's seq order), all keys at once, at most
 * `publishRate / publishers` messages a second, and no further than `gate` lets it. A rejected publish is recorded and tried again with
 * the same id and idempotency key, as a user's service would, until acknowledged: every outcome is
 * in the ledger before the next publish of the key starts. A restarted publisher (`resumeFrom`)
 * skips what its predecessors saw acknowledged and publishes the rest, the one in flight at the
 * kill included, as a service replaying from its own source of truth would. Resolves when all are settled.
 */
export async function runPublisher(
  config: WorkerConfig,
  ledger: LedgerWriter,
  gate: PublishGate,
): Promise<void> {
  const o = config.options;
  const bus = await workerBus(config);
  const pace = pacer(o.publishRate / o.publishers);
  const done = ackedBefore(config.resumeFrom ?? []);
  try {
    await Promise.all(
      publisherPlan(o, config.index).map(async (messages) => {
        for (const m of messages) {
          const copies = publishesTwice(o, m.id) ? [0, 1] : [0];
          if (copies.every((copy) => done.has(`${m.id}#${copy}`))) continue;
          await gate.pass(m.seq, messages.length);
          await pace();
          for (const copy of copies) if (!done.has(`${m.id}#${copy}`)) await publishUntilAcked(m, copy);
        }
      }),
    );
  } finally {
    await bus.stop();
  }

  async function publishUntilAcked(m: WorkloadMessage, copy: number): Promise<void> {
    const began = Date.now();
    for (let attempt = 0; ; attempt++) {
      // Before the call: an attempt cut short by a SIGKILL still shows (neither lost nor unexpected).
      ledger.append({ type: 'publish-attempted', ...m, copy, at: now() });
      try {
        await bus.publish(config.topic, m, { key: m.key, idempotencyKey: m.id, guarantee: o.guarantee });
        ledger.append({ type: 'publish-acked', ...m, copy, at: now() });
        return;
      } catch (error) {
        ledger.append({ type: 'publish-rejected', ...m, copy, error: String(error), at: now() });
        if (Date.now() - began >= GIVE_UP_AFTER_MS) return;
        await sleep(RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]);
      }
    }
  }
}

/** `id#copy` of every publish the earlier holders of this slot saw acknowledged. */
function ackedBefore(ledgers: readonly string[]): Set<string> {
  const acked = new Set<string>();
  for (const path of ledgers) {
    if (!existsSync(path)) continue;
    for (const e of parseLedger(readFileSync(path, 'utf8')).events)
      if (e.type === 'publish-acked') acked.add(`${e.id}#${e.copy}`);
  }
  return acked;
}

/**
 * Spaces calls `1 / perSecond` apart (0: no limit). Time spent blocked (a cut) is not made up with
 * a burst afterwards: the next call waits one interval from now, not from when it was due.
 */
function pacer(perSecond: number): () => Promise<void> {
  if (perSecond <= 0) return () => Promise.resolve();
  const interval = 1_000 / perSecond;
  let next = 0;
  return async () => {
    const at = Math.max(next, Date.now());
    next = at + interval;
    if (at > Date.now()) await sleep(at - Date.now());
  };
}
