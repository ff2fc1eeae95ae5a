import { createSpy, waitFor } from '@polybus/core/testing';
import type { ConformanceCase } from '../case';
import { waitMs } from '../case';

export const lifecycleCases: ConformanceCase[] = [
  {
    name: 'stop is idempotent and drains in-flight work',
    async run(h) {
      const topic = h.topic('drain');
      let started = 0;
      let finished = 0;
      const bus = h.bus();
      bus.bind(
        topic,
        async () => {
          started++;
          await new Promise((resolve) => setTimeout(resolve, 300));
          finished++;
        },
        { group: h.group('g'), concurrency: 4 },
      );
      await bus.start();
      await bus.publishBatch(Array.from({ length: 4 }, (_, n) => ({ topic, body: { n } })));
      await waitFor(() => started > 0, { timeoutMs: waitMs(h) });
      await Promise.all([bus.stop({ timeoutMs: 10_000 }), bus.stop({ timeoutMs: 10_000 })]);
      expect(finished).toBe(started);
      expect((await bus.health()).state).toBe('stopped');
      await bus.stop(); // a third time, after the fact
    },
  },
  {
    name: 'stopping a publisher flushes what it accepted',
    async run(h) {
      const topic = h.topic('flush');
      const consumer = h.bus();
      const spy = createSpy();
      consumer.bind(topic, spy.handler, { group: h.group('g') });
      await consumer.start();
      const publisher = h.bus();
      await publisher.publish(topic, { warmup: true });
      const pending = Array.from({ length: 50 }, (_, n) => publisher.publish(topic, { n }));
      const stopped = publisher.stop();
      const receipts = await Promise.all(pending);
      await stopped;
      // Every accepted message must arrive (at-least-once may repeat some: wait for ids, not a count).
      await spy.waitForAll(
        receipts.map((r) => r.id),
        { timeoutMs: waitMs(h) },
      );
    },
  },
  {
    name: 'messages published while the group is down are delivered when it comes back',
    requires: (caps) =>
      caps.persistent ? undefined : 'transport does not keep messages for absent consumers',
    async run(h) {
      const topic = h.topic('resume');
      const first = h.bus();
      first.bind(topic, () => undefined, { group: h.group('g') });
      await first.start();
      await first.stop();
      const publisher = h.bus();
      const ids = (
        await publisher.publishBatch(Array.from({ length: 10 }, (_, n) => ({ topic, body: { n } })))
      ).map((r) => r.id);
      const spy = createSpy();
      const second = h.bus();
      second.bind(topic, spy.handler, { group: h.group('g') });
      await second.start();
      await spy.waitForAll(ids, { timeoutMs: waitMs(h) });
      expect(new Set(spy.processed.map((m) => m.id))).toEqual(new Set(ids));
    },
  },
  {
    name: 'health reports the running bus and its bindings',
    async run(h) {
      const topic = h.topic('health');
      const bus = h.bus();
      const spy = createSpy();
      bus.bind(topic, spy.handler, { group: h.group('g') });
      await bus.start();
      await bus.publish(topic, { n: 1 });
      await spy.waitForCount(1, { timeoutMs: waitMs(h) });
      const health = await bus.health();
      expect(health).toMatchObject({ ok: true, state: 'running', transport: { ok: true } });
      expect(health.bindings).toEqual([
        expect.objectContaining({
          topic,
          group: h.group('g'),
          guarantee: 'at-least-once',
          counters: expect.objectContaining({ processed: 1 }),
        }),
      ]);
      await bus.stop();
      expect(await bus.health()).toMatchObject({ ok: false, state: 'stopped' });
    },
  },
];
