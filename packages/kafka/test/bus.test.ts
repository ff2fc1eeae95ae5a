import { createBus, Headers, PermanentError, silentLogger, type Bus } from '@polybus/core';
import { createTransportFromUrl } from '../src';
import { BROKERS, createTopic, rawKafka, readAll, testTransport, unique, waitFor } from './helpers';

const buses: Bus[] = [];
function bus(): Bus {
  const b = createBus({ transport: testTransport(), logger: silentLogger });
  buses.push(b);
  return b;
}
afterAll(async () => {
  await Promise.allSettled(buses.map((b) => b.stop({ timeoutMs: 2_000 })));
});

describe('kafka bus', () => {
  it('createBus({ url: "kafka://..." }) loads this adapter', async () => {
    const topic = unique('url');
    const b = createBus({ url: `kafka://${BROKERS[0]}?clientId=polybus-url-test`, logger: silentLogger });
    buses.push(b);
    const got: unknown[] = [];
    b.bind(topic, async (m) => void got.push(m.body), { group: unique('g') });
    await b.start();
    await b.publish(topic, { hello: 'url' });
    await waitFor(() => got.length === 1);
    expect(got).toEqual([{ hello: 'url' }]);
  });

  it('a payload that is not JSON from a raw producer goes to the dead letter with decode-error, and the consumer goes on', async () => {
    const topic = unique('decode');
    await createTopic(topic, 1);
    const producer = rawKafka().producer();
    await producer.connect();
    await producer.send({ topic, messages: [{ value: 'not json {' }, { value: '{"ok":true}' }] });
    await producer.disconnect();
    const b = bus();
    const got: unknown[] = [];
    const group = unique('g');
    b.bind(topic, async (m) => void got.push(m.body), { group });
    await b.start();
    await waitFor(() => got.length === 1);
    expect(got).toEqual([{ ok: true }]);
    const [dead] = await readAll(`${topic}.dlq`, (r) => r.length >= 1);
    const header = (name: string) => dead.headers![name]?.toString();
    expect(dead.value!.toString()).toBe('not json {');
    expect(header(Headers.dlqReason)).toBe('decode-error');
    expect(header(Headers.dlqSource)).toBe(topic);
    expect(header(Headers.dlqGroup)).toBe(group);
    expect(header(Headers.id)).toBe(`kafka:${topic}:0:0`);
    expect(header(`${Headers.dlqCoordinatePrefix}kafka-partition`)).toBe('0');
    expect(header(`${Headers.dlqCoordinatePrefix}kafka-offset`)).toBe('0');
  });

  it.each(['at-least-once', 'exactly-once'] as const)(
    'a record too large for its dead letter is dead-lettered cut to fit, with its size, and the partition moves on (%s)',
    async (guarantee) => {
      // 1,047,400 B fits the broker (message.max.bytes 1,048,588) but its copy plus the envelope
      // does not fit the transport's limit read from it (1,048,588 - 1 KiB of framing): it used to
      // be handed back forever.
      const topic = unique('oversize');
      await createTopic(topic, 1);
      const big = Buffer.alloc(1_047_400, 'x'); // not JSON: decode-error
      const producer = rawKafka().producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ value: big }, { value: '{"ok":true}' }] });
      await producer.disconnect();
      const b = bus();
      const got: unknown[] = [];
      b.bind(topic, async (m) => void got.push(m.body), { group: unique('g'), guarantee });
      await b.start();
      await waitFor(() => got.length === 1, 30_000);
      expect(got).toEqual([{ ok: true }]);
      const [dead] = await readAll(`${topic}.dlq`, (r) => r.length >= 1);
      const header = (name: string) => dead.headers![name]?.toString();
      expect(header(Headers.dlqReason)).toBe('decode-error');
      expect(header(Headers.dlqTruncated)).toBe('1047400');
      expect(dead.value!.length).toBeLessThan(1_048_588 - 1024);
      expect(dead.value!.length).toBeGreaterThan(1_037_000);
      expect(dead.value!.equals(big.subarray(0, dead.value!.length))).toBe(true);
    },
    60_000,
  );

  it("takes its message limit from the broker's message.max.bytes: a record the broker takes is not refused", async () => {
    const topic = unique('limit');
    await createTopic(topic, 1);
    const b = bus();
    // 1,020,000 B: over the fixed 1,000,000 this transport refused before, under the broker's 1,048,588.
    const sent = await b.publish(topic, Buffer.alloc(1_020_000, 'y'));
    expect(b.transport!.capabilities.maxMessageBytes).toBe(1_048_588 - 1024);
    const [record] = await readAll(topic, (r) => r.length >= 1);
    expect(record.value!.length).toBe(1_020_000);
    expect(record.headers![Headers.id]?.toString()).toBe(sent.id);
    await expect(b.publish(topic, Buffer.alloc(1_048_000))).rejects.toThrow(/limit of 1047564 bytes/);
  });

  it('a rebalance with two consumers (one joins, then the first leaves) loses nothing', async () => {
    const topic = unique('rebalance');
    const group = unique('g');
    const total = 1_500;
    await createTopic(topic, 4);
    const processed = new Set<number>();
    const bySecond = new Set<number>();
    const handler = (mine?: Set<number>) => async (m: { body: { n: number } }) => {
      await new Promise((r) => setTimeout(r, 1));
      processed.add(m.body.n);
      mine?.add(m.body.n);
    };
    const first = bus();
    first.bind(topic, handler(), { group, concurrency: 8 });
    await first.start();
    const publisher = bus();
    let published = 0;
    const publishing = (async () => {
      for (let start = 0; start < total; start += 100) {
        await publisher.publishBatch(
          Array.from({ length: 100 }, (_, i) => ({
            topic,
            body: { n: start + i },
            key: `k${(start + i) % 13}`,
          })),
        );
        published += 100;
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    await waitFor(() => processed.size >= 200);
    const second = bus();
    second.bind(topic, handler(bySecond), { group, concurrency: 8 });
    await second.start(); // resolves after its join: the first consumer went through the rebalance
    const joinedAt = published;
    await waitFor(() => bySecond.size > 0, 30_000, 'the second consumer to take partitions');
    await first.stop({ timeoutMs: 5_000 }); // second rebalance: everything moves to the second
    await publishing;
    await waitFor(() => processed.size === total, 60_000, 'every message processed');
    expect(joinedAt).toBeLessThan(total);
    expect(Array.from({ length: total }, (_, n) => n).filter((n) => !processed.has(n))).toEqual([]);
  }, 90_000);

  it('exactly-once: outputs of a failed attempt are never visible; a committed attempt writes its outputs once', async () => {
    const input = unique('eo-in');
    const output = unique('eo-out');
    await createTopic(input, 2);
    await createTopic(output, 1);
    const b = bus();
    const attempts = new Map<number, number>();
    b.bind<{ n: number }>(
      input,
      async (m, ctx) => {
        const a = (attempts.get(m.body.n) ?? 0) + 1;
        attempts.set(m.body.n, a);
        await ctx.publish(output, { n: m.body.n, attempt: a });
        if (m.body.n % 5 === 0 && a === 1) throw new Error('transient failure after publishing');
        if (m.body.n === 7) throw new PermanentError('poison');
      },
      {
        group: unique('g'),
        guarantee: 'exactly-once',
        retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 20 },
      },
    );
    await b.start();
    await b.publishBatch(Array.from({ length: 20 }, (_, n) => ({ topic: input, body: { n } })));
    const records = await readAll(output, (r) => r.length >= 19, { settleMs: 1_000 });
    const outputs = records.map((r) => JSON.parse(r.value!.toString()) as { n: number; attempt: number });
    const ns = outputs.map((o) => o.n).sort((x, y) => x - y);
    expect(ns).toEqual(Array.from({ length: 20 }, (_, n) => n).filter((n) => n !== 7));
    // Failed first attempts published too, but only the successful second attempt is visible.
    expect(outputs.filter((o) => o.n % 5 === 0).every((o) => o.attempt === 2)).toBe(true);
    const dead = await readAll(`${input}.dlq`, (r) => r.length >= 1);
    expect(dead.map((r) => r.headers![Headers.dlqReason]!.toString())).toEqual(['permanent-error']);
  }, 60_000);
});
