import { createSpy, waitFor } from '@polybus/core/testing';
import type { ConformanceCase } from '../case';
import { waitMs } from '../case';

export const lifecycleCases: ConformanceCase[] = [
  {
    name: 'a hung handler makes health not ok while the other messages go on; ok again once it returns',
    async run(h) {
      const topic = h.topic('hung');
      let release!: () => void;
      const hung = new Promise<void>((resolve) => (release = resolve));
      const spy = createSpy<{ hang: boolean }>(async (m) => {
        if (m.body.hang) await hung;
      });
      const bus = h.bus(undefined, { health: { stuckAfterMs: 200 } });
      bus.bind(topic, spy.handler, { group: h.group('g'), concurrency: 4 });
      await bus.start();
      // Two keys: on FIFO queues a key is a message group, and one group waits for its head.
      await bus.publish(topic, { hang: true }, { key: 'a' });
      const fine = await bus.publish(topic, { hang: false }, { key: 'b' });
      await spy.waitFor({ id: fine.id }, { timeoutMs: waitMs(h) });
      await waitFor(async () => (await bus.health()).bindings[0].stuck === 1, { timeoutMs: waitMs(h) });
      const during = await bus.health();
      expect(during.ok).toBe(false);
      expect(during.transport?.ok).toBe(true);
      expect(during.bindings[0]).toMatchObject({ inFlight: 1, stuck: 1 });
      expect(during.bindings[0].oldestInFlightMs).toBeGreaterThan(200);
      expect(during.bindings[0].lastProcessedAt).toBeGreaterThan(0);
      release();
      await waitFor(async () => (await bus.health()).ok, { timeoutMs: waitMs(h) });
      expect((await bus.health()).bindings[0]).toMatchObject({ inFlight: 0, stuck: 0, oldestInFlightMs: 0 });
    },
  },
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
