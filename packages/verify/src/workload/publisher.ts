import { createBus, silentLogger } from '@polybus/core';
import { now } from '../ledger/events';
import type { LedgerWriter } from '../ledger/ledger-writer';
import { publisherPlan, publishesTwice, type WorkloadMessage } from './plan';
import type { WorkerConfig } from './protocol';

/**
 * Publishes this publisher's share: each key's messages one after the other (awaiting each
 * acknowledgement, so publish order is the ledger's seq order), all keys at once. Every outcome
 * is in the ledger before the next publish of the key starts. Resolves when all are settled.
 */
export async function runPublisher(config: WorkerConfig, ledger: LedgerWriter): Promise<void> {
  const o = config.options;
  const bus = createBus({ url: o.url, logger: silentLogger });
  try {
    await Promise.all(
      publisherPlan(o, config.index).map(async (messages) => {
        for (const m of messages) {
          await publishOnce(m, 0);
          if (publishesTwice(o, m.id)) await publishOnce(m, 1);
        }
      }),
    );
  } finally {
    await bus.stop();
  }

  async function publishOnce(m: WorkloadMessage, copy: number): Promise<void> {
    try {
      await bus.publish(config.topic, m, { key: m.key, idempotencyKey: m.id, guarantee: o.guarantee });
      ledger.append({ type: 'publish-acked', ...m, copy, at: now() });
    } catch (error) {
      ledger.append({ type: 'publish-rejected', ...m, copy, error: String(error), at: now() });
    }
  }
}
