import { type Message } from '@polybus/core';
import { createSpy, waitFor } from '@polybus/core/testing';
import type { ConformanceCase } from '../case';
import { waitMs } from '../case';
import { DEFAULT_RETRY_FOR_TESTS } from '../options';
import { assertTally, Tally } from '../tally';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One key's handled sequence keeps publish order: no message is handled before every earlier one
 * of its key was. At-least-once lets a key's already handled messages come again (Kafka replays
 * from the last committed offset after a rebalance), so going back is allowed; skipping ahead is
 * not.
 */
function inKeyOrder(handled: readonly number[]): boolean {
  let highest = -1;
  for (const n of handled) {
    if (n > highest + 1) return false;
    highest = Math.max(highest, n);
  }
  return true;
}

export const groupCases: ConformanceCase[] = [
  {
    name: 'per-key order holds, also across retries',
    requires: (caps) => (caps.perKeyOrdering ? undefined : 'transport declares no per-key ordering'),
    async run(h) {
      const topic = h.topic('order');
      const keys = ['a', 'b', 'c', 'd', 'e'];
      const perKey = 30;
      const seen = new Map<string, number[]>();
      const failedOnce = new Set<string>();
      const bus = h.bus();
      bus.bind(
        topic,
        async (m: Message<{ n: number }>) => {
          await sleep(Math.random() * 2);
          const tag = `${m.key}:${m.body.n}`;
          if (m.body.n % 10 === 4 && !failedOnce.has(tag)) {
            failedOnce.add(tag);
            throw new Error('transient failure inside an ordered key');
          }
          seen.set(m.key!, [...(seen.get(m.key!) ?? []), m.body.n]);
        },
        {
          group: h.group('g'),
          ordering: 'per-key',
          concurrency: 8,
          retry: { ...DEFAULT_RETRY_FOR_TESTS, ...h.options.retry, maxAttempts: 5 },
        },
      );
      await bus.start();
      const entries = [];
      for (let n = 0; n < perKey; n++) for (const key of keys) entries.push({ topic, key, body: { n } });
      for (let i = 0; i < entries.length; i += 50) await bus.publishBatch(entries.slice(i, i + 50));
      await waitFor(() => keys.every((k) => new Set(seen.get(k)).size >= perKey), {
        timeoutMs: waitMs(h) * 2,
      });
      for (const key of keys)
        expect({ key, seen: seen.get(key), inOrder: inKeyOrder(seen.get(key)!) }).toMatchObject({
          inOrder: true,
        });
    },
  },
  {
    name: 'concurrent publish calls keep per-key order in call order (one batch per event-loop turn)',
    requires: (caps) => (caps.perKeyOrdering ? undefined : 'transport declares no per-key ordering'),
    async run(h) {
      const topic = h.topic('concurrent-order');
      const keys = ['a', 'b', 'c'];
      const perKey = 50;
      const seen = new Map<string, number[]>();
      const bus = h.bus();
      bus.bind(
        topic,
        async (m: Message<{ n: number }>) => {
          await sleep(Math.random() * 2);
          seen.set(m.key!, [...(seen.get(m.key!) ?? []), m.body.n]);
        },
        { group: h.group('g'), ordering: 'per-key', concurrency: 8 },
      );
      await bus.start();
      // Not awaited in turn: the calls of one turn go out as one transport batch, in call order.
      const calls = [];
      for (let n = 0; n < perKey; n++) for (const key of keys) calls.push(bus.publish(topic, { n }, { key }));
      const receipts = await Promise.all(calls);
      expect(new Set(receipts.map((r) => r.id)).size).toBe(keys.length * perKey);
      await waitFor(() => keys.every((k) => new Set(seen.get(k)).size >= perKey), {
        timeoutMs: waitMs(h) * 2,
      });
      for (const key of keys)
        expect({ key, seen: seen.get(key), inOrder: inKeyOrder(seen.get(key)!) }).toMatchObject({
          inOrder: true,
        });
    },
  },
  {
    name: 'each consumer group gets every message',
    requires: (caps) =>
      caps.consumerGroups ? undefined : 'transport has no consumer groups (one group per topic)',
    async run(h) {
      const topic = h.topic('fanout');
      const one = createSpy();
      const two = createSpy();
      const bus = h.bus();
      bus.bind(topic, one.handler, { group: h.group('g1') });
      bus.bind(topic, two.handler, { group: h.group('g2') });
      await bus.start();
      const ids = (
        await bus.publishBatch(Array.from({ length: 20 }, (_, n) => ({ topic, body: { n } })))
      ).map((r) => r.id);
      await one.waitForAll(ids, { timeoutMs: waitMs(h) });
      await two.waitForAll(ids, { timeoutMs: waitMs(h) });
      expect(new Set(one.processed.map((m) => m.id))).toEqual(new Set(ids));
      expect(new Set(two.processed.map((m) => m.id))).toEqual(new Set(ids));
    },
  },
  {
    name: 'competing consumers in one group share the messages',
    requires: (caps) => (caps.competingConsumers ? undefined : 'transport has no competing consumers'),
    async run(h) {
      const topic = h.topic('compete');
      const tally = new Tally();
      const byMember = [0, 0];
      const members = [h.bus(), h.bus()];
      members.forEach((bus, i) =>
        bus.bind(
          topic,
          (m) => {
            byMember[i]++;
            tally.process(m.id);
          },
          { group: h.group('shared'), concurrency: 4 },
        ),
      );
      for (const bus of members) await bus.start();
      const publisher = h.bus();
      const deadline = Date.now() + waitMs(h) * 2;
      let round = 0;
      while ((byMember[0] === 0 || byMember[1] === 0) && Date.now() < deadline) {
        const receipts = await publisher.publishBatch(
          Array.from({ length: 20 }, (_, n) => ({ topic, key: `k${round}-${n}`, body: { round, n } })),
        );
        for (const r of receipts) {
          tally.publish(r.id);
          tally.acknowledge(r.id);
        }
        round++;
        await waitFor(() => tally.complete(), { timeoutMs: waitMs(h) });
      }
      await waitFor(() => tally.complete(), { timeoutMs: waitMs(h) });
      assertTally(tally, { lost: 0, unexpected: 0 });
      expect(byMember[0]).toBeGreaterThan(0);
      expect(byMember[1]).toBeGreaterThan(0);
    },
  },
  {
    name: 'a consumer that dies before acking: another member gets the message',
    requires: (caps) => (caps.competingConsumers ? undefined : 'transport has no competing consumers'),
    timeoutMs: 180_000,
    async run(h) {
      const topic = h.topic('crash');
      let taken: string | undefined;
      const doomed = h.bus();
      doomed.bind(
        topic,
        (m, ctx) =>
          new Promise<void>((_, reject) => {
            taken = m.id;
            ctx.signal.addEventListener('abort', () => reject(new Error('consumer died')));
          }),
        { group: h.group('g'), concurrency: 1 },
      );
      await doomed.start();
      const sent = await h.bus().publish(topic, { n: 1 });
      await waitFor(() => taken === sent.id, { timeoutMs: waitMs(h) });
      const survivor = createSpy();
      const other = h.bus();
      other.bind(topic, survivor.handler, { group: h.group('g') });
      await other.start();
      await doomed.stop({ timeoutMs: 100 }); // the handler never finishes: its delivery stays unacked
      const got = await survivor.waitFor(
        { id: sent.id },
        { timeoutMs: (h.options.redeliveryMs ?? 30_000) + waitMs(h) },
      );
      expect(got.body).toEqual({ n: 1 });
    },
  },
];
