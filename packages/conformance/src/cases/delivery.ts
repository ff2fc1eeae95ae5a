import { createSpy, waitFor } from '@polybus/core/testing';
import type { ConformanceCase } from '../case';
import { waitMs } from '../case';
import { assertTally, Tally } from '../tally';

export const deliveryCases: ConformanceCase[] = [
  {
    name: 'round trip keeps body, headers, id and key',
    async run(h) {
      const topic = h.topic('roundtrip');
      const bus = h.bus();
      const spy = createSpy<unknown>();
      bus.bind(topic, spy.handler, { group: h.group('g') });
      await bus.start();
      const body = { orderId: 'o-1', amount: 100.5, tags: ['a', 'ü', '✓'], nested: { ok: true, none: null } };
      const headers = {
        'x-tenant': 'acme',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      };
      const sent = await bus.publish(topic, body, { key: 'o-1', headers });
      const bytes = Buffer.from([0, 1, 2, 253, 254, 255]);
      const sentBytes = await bus.publish(topic, bytes, { key: 'o-2' });
      const got = await spy.waitFor({ id: sent.id }, { timeoutMs: waitMs(h) });
      expect(got.body).toEqual(body);
      expect(got.id).toBe(sent.id);
      expect(got.key).toBe('o-1');
      expect(got.topic).toBe(topic);
      expect(got.headers).toMatchObject(headers);
      expect(Math.abs(got.timestamp - Date.now())).toBeLessThan(5 * 60_000);
      const gotBytes = await spy.waitFor({ id: sentBytes.id }, { timeoutMs: waitMs(h) });
      expect(Buffer.isBuffer(gotBytes.body)).toBe(true);
      expect((gotBytes.body as Buffer).equals(bytes)).toBe(true);
    },
  },
  {
    name: 'publishBatch delivers every entry',
    async run(h) {
      const topic = h.topic('batch');
      const bus = h.bus();
      const spy = createSpy<{ n: number }>();
      bus.bind(topic, spy.handler, { group: h.group('g') });
      await bus.start();
      const receipts = await bus.publishBatch(
        Array.from({ length: 25 }, (_, n) => ({ topic, body: { n }, key: `k${n % 3}` })),
      );
      expect(new Set(receipts.map((r) => r.id)).size).toBe(25);
      await spy.waitForAll(
        receipts.map((r) => r.id),
        { timeoutMs: waitMs(h) },
      );
      expect(new Set(spy.processed.map((m) => m.body.n))).toEqual(
        new Set(Array.from({ length: 25 }, (_, n) => n)),
      );
    },
  },
  {
    name: 'topics are isolated',
    async run(h) {
      const a = h.topic('iso-a');
      const b = h.topic('iso-b');
      const bus = h.bus();
      const spyA = createSpy<{ t: string }>();
      const spyB = createSpy<{ t: string }>();
      bus.bind(a, spyA.handler, { group: h.group('g') });
      bus.bind(b, spyB.handler, { group: h.group('g') });
      await bus.start();
      const sentA = [];
      for (let i = 0; i < 10; i++) sentA.push((await bus.publish(a, { t: 'a' })).id);
      const sentB = (await bus.publish(b, { t: 'b' })).id;
      await spyA.waitForAll(sentA, { timeoutMs: waitMs(h) });
      await spyB.waitForAll([sentB], { timeoutMs: waitMs(h) });
      expect(spyA.processed.every((m) => m.body.t === 'a' && m.topic === a)).toBe(true);
      expect(new Set(spyB.processed.map((m) => m.id))).toEqual(new Set([sentB]));
    },
  },
  {
    name: 'many publishers and consumers: nothing lost, nothing unexpected',
    timeoutMs: 240_000,
    async run(h) {
      const topic = h.topic('load');
      const total = h.options.loadMessages ?? 2_000;
      const tally = new Tally();
      const consumers = [h.bus(), h.bus()];
      for (const bus of consumers) {
        bus.bind(topic, (m) => void tally.process(m.id), { group: h.group('g'), concurrency: 16 });
        await bus.start();
      }
      const publishers = [h.bus(), h.bus()];
      const batch = 100;
      await Promise.all(
        publishers.map(async (bus, p) => {
          for (let start = p * batch; start < total; start += batch * publishers.length) {
            const entries = Array.from({ length: Math.min(batch, total - start) }, (_, i) => ({
              topic,
              body: { n: start + i },
              key: `k${(start + i) % 17}`,
            }));
            const receipts = await bus.publishBatch(entries);
            for (const r of receipts) {
              tally.publish(r.id);
              tally.acknowledge(r.id);
            }
          }
        }),
      );
      await waitFor(() => tally.complete(), { timeoutMs: waitMs(h) * 4 }).catch(() => undefined);
      assertTally(tally, { lost: 0, unexpected: 0 }, total);
    },
  },
];
