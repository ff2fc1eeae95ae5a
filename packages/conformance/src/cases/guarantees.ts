import { memoryIdempotencyStore, type Message } from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import type { ConformanceCase } from '../case';
import { waitMs } from '../case';
import { assertTally, Tally } from '../tally';

/** A handler that fails transiently `rate` of the time, deterministically per call. */
function flaky(rate: number): () => boolean {
  let n = 0;
  return () => ((n++ * 7919) % 100) / 100 < rate;
}

export const guaranteeCases: ConformanceCase[] = [
  {
    name: 'at-least-once under handler failures: lost = 0',
    timeoutMs: 240_000,
    async run(h) {
      const topic = h.topic('alo');
      const total = Math.floor((h.options.loadMessages ?? 2_000) / 2);
      const tally = new Tally();
      const fail = flaky(0.2);
      const bus = h.bus();
      bus.bind(
        topic,
        (m) => {
          if (fail()) throw new Error('injected handler failure');
          tally.process(m.id);
        },
        {
          group: h.group('g'),
          concurrency: 16,
          retry: { maxAttempts: 20, initialDelayMs: 5, maxDelayMs: 50, immediateAttempts: 3 },
        },
      );
      await bus.start();
      for (let i = 0; i < total; i += 100) {
        const receipts = await bus.publishBatch(
          Array.from({ length: Math.min(100, total - i) }, (_, n) => ({ topic, body: { n: i + n } })),
        );
        receipts.forEach((r) => (tally.publish(r.id), tally.acknowledge(r.id)));
      }
      await waitFor(() => tally.complete(), { timeoutMs: waitMs(h) * 4 }).catch(() => undefined);
      assertTally(tally, { lost: 0, unexpected: 0 }, total);
    },
  },
  {
    name: 'exactly-once with an idempotency store under failures and duplicate publishes: one effect each',
    timeoutMs: 240_000,
    async run(h) {
      const topic = h.topic('eo');
      const total = Math.floor((h.options.loadMessages ?? 2_000) / 4);
      const effects = new Map<string, number>();
      const store = memoryIdempotencyStore();
      const fail = flaky(0.2);
      const consumers = [h.bus(), h.bus()];
      for (const bus of consumers) {
        bus.bind(
          topic,
          (m: Message<{ key: string }>) => {
            if (fail()) throw new Error('injected failure before the effect');
            effects.set(m.body.key, (effects.get(m.body.key) ?? 0) + 1);
          },
          {
            group: h.group('g'),
            guarantee: 'exactly-once',
            idempotency: store,
            concurrency: 8,
            retry: { maxAttempts: 20, initialDelayMs: 5, maxDelayMs: 50 },
          },
        );
        await bus.start();
      }
      const publisher = h.bus();
      const keys = Array.from({ length: total }, (_, n) => `order-${n}`);
      for (let i = 0; i < total; i += 50) {
        const slice = keys.slice(i, i + 50);
        // every message is published twice under one idempotency key: a producer retry
        const entries = slice.flatMap((key) =>
          [0, 1].map(() => ({ topic, body: { key }, idempotencyKey: key })),
        );
        await publisher.publishBatch(entries);
      }
      await waitFor(() => keys.every((k) => effects.has(k)), { timeoutMs: waitMs(h) * 4 }).catch(
        () => undefined,
      );
      const missing = keys.filter((k) => !effects.has(k));
      const doubled = [...effects].filter(([, n]) => n > 1).map(([k]) => k);
      expect({ missing: missing.slice(0, 20), doubled: doubled.slice(0, 20) }).toEqual({
        missing: [],
        doubled: [],
      });
      expect(effects.size).toBe(total);
    },
  },
  {
    name: 'at-most-once under handler failures: duplicated = 0',
    timeoutMs: 240_000,
    async run(h) {
      const topic = h.topic('amo');
      const total = Math.floor((h.options.loadMessages ?? 2_000) / 4);
      const tally = new Tally();
      const fail = flaky(0.2);
      let settled = 0;
      const bus = h.bus();
      bus.bind(
        topic,
        (m) => {
          tally.process(m.id); // every call counts: a second call would be a duplicate
          settled++;
          if (fail()) throw new Error('injected handler failure');
        },
        { group: h.group('g'), guarantee: 'at-most-once', concurrency: 16, deadLetter: false },
      );
      await bus.start();
      for (let i = 0; i < total; i += 100) {
        const receipts = await bus.publishBatch(
          Array.from({ length: Math.min(100, total - i) }, (_, n) => ({ topic, body: { n: i + n } })),
          { guarantee: 'at-most-once' },
        );
        receipts.forEach((r) => tally.publish(r.id));
      }
      await waitFor(() => settled >= total, { timeoutMs: waitMs(h) * 4 }).catch(() => undefined);
      assertTally(tally, { duplicated: 0, unexpected: 0 });
      expect(settled).toBeGreaterThan(0);
    },
  },
];
