import { type Transport } from '@polybus/core';
import { type Delivery, type SubscribeOptions } from '@polybus/core/transport';
import { waitFor } from '@polybus/core/testing';
import {
  bodyOf,
  message,
  queueDepth,
  rawClient,
  rawReceive,
  testTransport,
  uniqueTopic,
  subscribeOptions,
  transportsClosedAfterEach,
} from './helpers';

const sub = (topic: string, extra: Partial<SubscribeOptions> = {}): SubscribeOptions =>
  subscribeOptions(topic, { concurrency: 16, ordering: 'per-key', maxAttempts: 5, ...extra });

describe('sqs FIFO queues against ElasticMQ', () => {
  const raw = rawClient();
  const open = transportsClosedAfterEach();
  afterAll(() => raw.destroy());

  it('creates a FIFO queue with content-based deduplication off', async () => {
    const topic = uniqueTopic('attrs', '.fifo');
    const t = await open();
    await t.ensureTopics?.([topic, `${topic}.dlq`]);
    expect(await queueDepth(raw, topic)).toBe(0);
    expect(await queueDepth(raw, `${topic}.dlq`)).toBe(0);
  });

  it('delivers the same deduplication id published twice within the window once', async () => {
    const topic = uniqueTopic('dedup', '.fifo');
    const t = await open();
    const first = message(topic, 1, {
      headers: { 'content-type': 'application/json', 'polybus-idempotency-key': 'order-42' },
    });
    const again = message(topic, 2, {
      headers: { 'content-type': 'application/json', 'polybus-idempotency-key': 'order-42' },
    });
    await t.publish([first], { guarantee: 'at-least-once' });
    await t.publish([again], { guarantee: 'at-least-once' });
    // Same message id twice (a publisher retry) is deduplicated too.
    const other = message(topic, 3);
    await t.publish([other, { ...other }], { guarantee: 'at-least-once' });
    const sentinel = message(topic, 4);
    await t.publish([sentinel], { guarantee: 'at-least-once' });
    const got: number[] = [];
    await t.subscribe(sub(topic), async (d) => {
      got.push(bodyOf(d).n);
      await d.ack();
    });
    await waitFor(() => got.includes(4), { timeoutMs: 15_000 });
    expect(got).toEqual([1, 3, 4]);
  });

  it('keeps per-group order with many consumers slots, one of a group at a time, across a nack', async () => {
    const topic = uniqueTopic('order', '.fifo');
    const t = await open({ pollers: 3 });
    const keys = ['a', 'b', 'c', 'd'];
    const perKey = 25;
    for (let round = 0; round < 5; round++) {
      const batch = [];
      for (let i = 0; i < perKey / 5; i++)
        for (const key of keys) batch.push(message(topic, round * (perKey / 5) + i, { key }));
      await t.publish(batch, { guarantee: 'at-least-once' });
    }
    const seen = new Map<string, number[]>();
    const running = new Set<string>();
    let overlap = 0;
    let nacked = false;
    let done = 0;
    await t.subscribe(sub(topic), async (d: Delivery) => {
      const key = d.message.key as string;
      if (running.has(key)) overlap++;
      running.add(key);
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      running.delete(key);
      const n = bodyOf(d).n;
      if (key === 'b' && n === 7 && !nacked) {
        nacked = true; // the messages of b behind it must wait for its redelivery
        await d.nack({ delayMs: 0 });
        return;
      }
      seen.set(key, [...(seen.get(key) ?? []), n]);
      done++;
      await d.ack();
    });
    await waitFor(() => done === keys.length * perKey, { timeoutMs: 45_000 });
    expect(nacked).toBe(true);
    expect(overlap).toBe(0);
    for (const key of keys) expect(seen.get(key)).toEqual(Array.from({ length: perKey }, (_, i) => i));
  });

  it('sends keyless messages to the default group and the dead letter to the FIFO dlq queue', async () => {
    const topic = uniqueTopic('dlq', '.fifo');
    const t = await open({ defaultMessageGroupId: 'everything' });
    await t.publish([message(topic, 1)], { guarantee: 'at-least-once' });
    let delivery: Delivery | undefined;
    await t.subscribe(sub(topic), async (d) => {
      delivery = d;
      await d.deadLetter?.(`${topic}.dlq`, { 'polybus-dlq-reason': 'permanent-error' });
    });
    await waitFor(() => delivery !== undefined, { timeoutMs: 15_000 });
    const dead = await waitFor(async () => (await rawReceive(raw, `${topic}.dlq`).catch(() => []))[0], {
      timeoutMs: 15_000,
    });
    expect(dead.Attributes?.MessageGroupId).toBe('everything');
    const envelope = JSON.parse(dead.MessageAttributes?.polybus?.StringValue ?? '{}') as {
      id: string;
      headers: object;
    };
    expect(envelope.headers).toMatchObject({ 'polybus-dlq-reason': 'permanent-error' });
    expect(envelope.id).toBe(delivery?.message.id);
    await waitFor(async () => (await queueDepth(raw, topic)) === 0, { timeoutMs: 15_000 });
  });
});
