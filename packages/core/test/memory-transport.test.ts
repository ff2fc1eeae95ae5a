import { memoryTransport, uuidv7, type TransportMessage } from '@polybus/core';
import { type Delivery, type SubscribeOptions } from '@polybus/core/transport';
import { waitFor } from '@polybus/core/testing';

let n = 0;
const ns = () => `memory-transport-${++n}`;
const sub = (over: Partial<SubscribeOptions> = {}): SubscribeOptions => ({
  topic: 't',
  group: 'g',
  guarantee: 'at-least-once',
  concurrency: 10,
  ordering: 'none',
  deadLetterTopic: 't.dlq',
  maxAttempts: 5,
  idempotent: false,
  ...over,
});
const msg = (key?: string, body = ''): TransportMessage => ({
  id: uuidv7(),
  topic: 't',
  key,
  headers: {},
  payload: Buffer.from(body),
  timestamp: Date.now(),
});

async function open(namespace: string, options: Parameters<typeof memoryTransport>[0] = {}) {
  const t = memoryTransport({ namespace, ...options });
  await t.connect();
  return t;
}

describe('memoryTransport', () => {
  it('acked messages are not retained', async () => {
    const t = await open(ns());
    const got: Delivery[] = [];
    await t.subscribe(sub({ concurrency: 100 }), async (d) => void got.push(d));
    await t.publish(
      Array.from({ length: 100 }, () => msg()),
      { guarantee: 'at-least-once' },
    );
    await waitFor(() => got.length === 100);
    expect(t.broker.stats()).toEqual([{ topic: 't', group: 'g', depth: 0, inFlight: 100 }]);
    await Promise.all(got.map((d) => d.ack()));
    expect(t.broker.stats()).toEqual([{ topic: 't', group: 'g', depth: 0, inFlight: 0 }]);
    await t.close();
  });

  it('respects concurrency: no more unsettled deliveries than allowed', async () => {
    const t = await open(ns());
    const held: Delivery[] = [];
    await t.subscribe(sub({ concurrency: 3 }), async (d) => void held.push(d));
    await t.publish(
      Array.from({ length: 10 }, () => msg()),
      { guarantee: 'at-least-once' },
    );
    await waitFor(() => held.length === 3);
    await new Promise((r) => setTimeout(r, 20));
    expect(held).toHaveLength(3);
    await held[0].ack();
    await waitFor(() => held.length === 4);
    await t.close();
  });

  it('an unsettled delivery comes back when its lease expires, with the next attempt number', async () => {
    const t = await open(ns(), { visibilityTimeoutMs: 30 });
    const attempts: number[] = [];
    await t.subscribe(sub(), async (d) => {
      attempts.push(d.attempt);
      if (d.attempt === 2) await d.ack();
    });
    await t.publish([msg()], { guarantee: 'at-least-once' });
    await waitFor(() => attempts.length === 2);
    expect(attempts).toEqual([1, 2]);
    await t.close();
  });

  it('nack with a delay redelivers after it, carrying the attempt given', async () => {
    const t = await open(ns());
    const seen: Array<[number, number]> = [];
    const start = Date.now();
    await t.subscribe(sub(), async (d) => {
      seen.push([d.attempt, Date.now() - start]);
      if (d.attempt === 1) await d.nack({ delayMs: 50, attempt: 4 });
      else await d.ack();
    });
    await t.publish([msg()], { guarantee: 'at-least-once' });
    await waitFor(() => seen.length === 2);
    expect(seen[1][0]).toBe(4);
    expect(seen[1][1]).toBeGreaterThanOrEqual(45);
    await t.close();
  });

  it('per-key: one delivery of a key at a time, in order, keys in parallel', async () => {
    const t = await open(ns());
    const order: string[] = [];
    let inFlightA = 0;
    let maxA = 0;
    await t.subscribe(sub({ ordering: 'per-key', concurrency: 8 }), async (d) => {
      const body = d.message.payload.toString();
      if (d.message.key === 'a') maxA = Math.max(maxA, ++inFlightA);
      await new Promise((r) => setTimeout(r, 1));
      order.push(body);
      if (d.message.key === 'a') inFlightA--;
      await d.ack();
    });
    const messages = [];
    for (let i = 0; i < 20; i++) messages.push(msg('a', `a${i}`), msg('b', `b${i}`));
    await t.publish(messages, { guarantee: 'at-least-once' });
    await waitFor(() => order.length === 40);
    expect(maxA).toBe(1);
    expect(order.filter((x) => x.startsWith('a'))).toEqual(Array.from({ length: 20 }, (_, i) => `a${i}`));
    await t.close();
  });

  it('a crashed consumer’s deliveries go to another member at once; its late acks are ignored', async () => {
    const namespace = ns();
    const doomed = await open(namespace);
    const survivor = await open(namespace);
    const held: Delivery[] = [];
    await doomed.subscribe(sub(), async (d) => void held.push(d));
    await doomed.publish([msg(undefined, 'x')], { guarantee: 'at-least-once' });
    await waitFor(() => held.length === 1);
    const taken: Delivery[] = [];
    await survivor.subscribe(sub(), async (d) => void taken.push(d));
    doomed.crash();
    await waitFor(() => taken.length === 1);
    await held[0].ack(); // from the dead: ignored
    expect(survivor.broker.stats()[0]).toMatchObject({ inFlight: 1 });
    await taken[0].ack();
    expect(survivor.broker.stats()[0]).toMatchObject({ inFlight: 0, depth: 0 });
    await expect(doomed.publish([msg()], { guarantee: 'at-least-once' })).rejects.toThrow('crashed');
    await survivor.close();
  });

  it('a new group takes what was published before any group existed', async () => {
    const t = await open(ns());
    await t.publish([msg(), msg()], { guarantee: 'at-least-once' });
    const got: Delivery[] = [];
    await t.subscribe(sub(), async (d) => void got.push(d));
    await waitFor(() => got.length === 2);
    await t.close();
  });

  it('injected faults: failed publishes, lost acks, duplicate deliveries', async () => {
    const t = await open(ns(), { visibilityTimeoutMs: 20, seed: 7 });
    t.faults.publishFailureRate = 1;
    await expect(t.publish([msg()], { guarantee: 'at-least-once' })).rejects.toThrow(
      'injected publish failure',
    );
    t.faults.publishFailureRate = 0;
    t.faults.ackDropRate = 1;
    let deliveries = 0;
    await t.subscribe(sub(), async (d) => {
      deliveries++;
      if (deliveries >= 3) t.faults.ackDropRate = 0;
      await d.ack();
    });
    await t.publish([msg()], { guarantee: 'at-least-once' });
    await waitFor(() => deliveries === 3);
    t.faults.duplicateDeliveryRate = 1;
    await t.publish([msg()], { guarantee: 'at-least-once' });
    await waitFor(() => deliveries >= 5);
    await t.close();
  });

  it('at-most-once subscribers are never redelivered to', async () => {
    const t = await open(ns(), {
      visibilityTimeoutMs: 10,
      faults: { ackDropRate: 1, duplicateDeliveryRate: 1 },
    });
    let deliveries = 0;
    await t.subscribe(sub({ guarantee: 'at-most-once' }), async () => void deliveries++); // never even acks
    await t.publish([msg()], { guarantee: 'at-most-once' });
    await new Promise((r) => setTimeout(r, 60));
    expect(deliveries).toBe(1);
    await t.close();
  });
});
