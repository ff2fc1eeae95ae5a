import { retainedQueueName } from '../src';
import { ConfigurationError, createBus, Headers, PublishError, silentLogger } from '@polybus/core';
import { type Delivery } from '@polybus/core/transport';
import {
  AMQP_URL,
  bodyOf,
  getOne,
  message,
  rawConnection,
  subscribeOptions,
  transport,
  unique,
  waitFor,
} from './helpers';

describe('rabbitmq transport', () => {
  const t = transport();
  beforeAll(() => t.connect());
  afterAll(() => t.close());

  it('round-trips body, id, key, headers and timestamp', async () => {
    const topic = unique('rt');
    const got: Delivery[] = [];
    await t.subscribe(subscribeOptions(topic), async (d) => {
      got.push(d);
      await d.ack();
    });
    const sent = message(topic, { n: 1 }, { key: 'k-1', headers: { custom: 'yes', traceparent: 'tp' } });
    await t.publish([sent], { guarantee: 'at-least-once' });
    await waitFor('delivery', () => got.length === 1);
    const [d] = got;
    expect(d.message.id).toBe(sent.id);
    expect(d.message.topic).toBe(topic);
    expect(d.message.key).toBe('k-1');
    expect(d.message.timestamp).toBe(sent.timestamp);
    expect(d.message.headers).toEqual(sent.headers);
    expect(bodyOf(d)).toEqual({ n: 1 });
    expect(d.attempt).toBe(1);
    expect(d.coordinates).toMatchObject({
      'amqp-exchange': topic,
      'amqp-routing-key': 'k-1',
      'amqp-redelivered': 'false',
    });
  });

  it('an unroutable publish (no queue bound) fails with PublishError', async () => {
    const topic = unique('nobody');
    const error = await t
      .publish([message(topic, 1)], { guarantee: 'at-least-once' })
      .catch((e: unknown) => e);
    expect(PublishError.is(error)).toBe(true);
    expect((error as PublishError).reason).toMatch(/unroutable/);
    // the channel survives: the next publish to a bound topic works
    const bound = unique('bound');
    await t.subscribe(subscribeOptions(bound), (d) => d.ack());
    await t.publish([message(bound, 2)], { guarantee: 'at-least-once' });
  });

  it('a publish to an exchange of another type fails with PublishError, the transport goes on', async () => {
    const topic = unique('fanout');
    const raw = await rawConnection();
    const ch = await raw.createChannel();
    await ch.assertExchange(topic, 'fanout', { durable: false, autoDelete: true });
    const error = await t
      .publish([message(topic, 1)], { guarantee: 'at-least-once' })
      .catch((e: unknown) => e);
    expect(PublishError.is(error)).toBe(true);
    await ch.deleteExchange(topic);
    await raw.close();
    const ok = unique('ok');
    await t.subscribe(subscribeOptions(ok), (d) => d.ack());
    await t.publish([message(ok, 1)], { guarantee: 'at-least-once' });
  });

  it('nack with a delay redelivers later through a retry queue with the given attempt', async () => {
    const topic = unique('retry');
    const seen: Array<{ attempt: number; at: number; id: string }> = [];
    await t.subscribe(subscribeOptions(topic), async (d) => {
      seen.push({ attempt: d.attempt, at: Date.now(), id: d.message.id });
      if (d.attempt < 3) await d.nack({ delayMs: 100 * d.attempt, attempt: d.attempt + 1 });
      else await d.ack();
    });
    const sent = message(topic, 'again', { key: 'rk' });
    await t.publish([sent], { guarantee: 'at-least-once' });
    await waitFor('three attempts', () => seen.length === 3);
    expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
    expect(seen.every((s) => s.id === sent.id)).toBe(true);
    expect(seen[1].at).toBeGreaterThan(seen[0].at);
    expect(seen[2].at).toBeGreaterThan(seen[1].at);
  });

  it('nack without options requeues at once, attempt unchanged; with attempt only, requeues with it', async () => {
    const topic = unique('requeue');
    const seen: Array<{ attempt: number; redelivered: string }> = [];
    await t.subscribe(subscribeOptions(topic), async (d) => {
      seen.push({ attempt: d.attempt, redelivered: d.coordinates['amqp-redelivered'] });
      if (seen.length === 1) await d.nack();
      else if (seen.length === 2) await d.nack({ attempt: 5 });
      else await d.ack();
    });
    await t.publish([message(topic, 'x')], { guarantee: 'at-least-once' });
    await waitFor('three deliveries', () => seen.length === 3);
    expect(seen).toEqual([
      { attempt: 1, redelivered: 'false' },
      { attempt: 1, redelivered: 'true' },
      { attempt: 5, redelivered: 'false' },
    ]);
  });

  it('deadLetter moves a copy with the envelope headers to the dead-letter topic, kept by its queue', async () => {
    const topic = unique('dl');
    const dlq = `${topic}.dlq`;
    let settled = false;
    await t.subscribe(subscribeOptions(topic), async (d) => {
      await d.deadLetter!(dlq, { [Headers.dlqReason]: 'permanent-error', [Headers.dlqAttempts]: '1' });
      settled = true;
    });
    const sent = message(topic, { bad: true }, { key: 'dk' });
    await t.publish([sent], { guarantee: 'at-least-once' });
    await waitFor('dead letter', () => settled);
    const raw = await rawConnection();
    const ch = await raw.createChannel();
    const copy = await getOne(ch, retainedQueueName(dlq));
    expect(copy.content.toString()).toBe('{"bad":true}');
    expect(copy.properties.messageId).toBe(sent.id);
    expect(copy.properties.headers).toMatchObject({
      [Headers.dlqReason]: 'permanent-error',
      'polybus-key': 'dk',
    });
    expect((await ch.checkQueue(`${topic}.g`)).messageCount).toBe(0);
    await raw.close();
  });

  it('concurrency bounds unsettled deliveries; per-key keeps each key in order, one at a time', async () => {
    const topic = unique('order');
    let active = 0;
    let maxActive = 0;
    const busy = new Set<string>();
    let overlap = false;
    const order = new Map<string, number[]>();
    await t.subscribe(subscribeOptions(topic, { concurrency: 4, ordering: 'per-key' }), async (d) => {
      const key = d.message.key!;
      if (busy.has(key)) overlap = true;
      busy.add(key);
      maxActive = Math.max(maxActive, ++active);
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      order.set(key, [...(order.get(key) ?? []), bodyOf(d) as number]);
      busy.delete(key);
      active--;
      await d.ack();
    });
    const messages = Array.from({ length: 200 }, (_, i) => message(topic, i, { key: `k${i % 7}` }));
    await t.publish(messages, { guarantee: 'at-least-once' });
    await waitFor('all messages', () => [...order.values()].reduce((n, l) => n + l.length, 0) === 200);
    expect(overlap).toBe(false);
    expect(maxActive).toBeLessThanOrEqual(4);
    expect(maxActive).toBeGreaterThan(1);
    for (const list of order.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
  });

  it('per-key: a delayed retry is held in the consumer, so later messages of its key do not overtake it', async () => {
    const topic = unique('order-retry');
    const order = new Map<string, number[]>();
    const attempts: number[] = [];
    await t.subscribe(subscribeOptions(topic, { concurrency: 4, ordering: 'per-key' }), async (d) => {
      const n = bodyOf(d) as number;
      if (n % 10 === 4 && d.attempt === 1) return d.nack({ delayMs: 50, attempt: 2 });
      if (n % 10 === 4) attempts.push(d.attempt);
      order.set(d.message.key!, [...(order.get(d.message.key!) ?? []), n]);
      await d.ack();
    });
    const messages = Array.from({ length: 60 }, (_, i) => message(topic, i, { key: `k${i % 3}` }));
    await t.publish(messages, { guarantee: 'at-least-once' });
    await waitFor('all messages', () => [...order.values()].reduce((n, l) => n + l.length, 0) === 60);
    for (const list of order.values()) expect(list).toEqual([...list].sort((a, b) => a - b));
    expect(attempts).toEqual([2, 2, 2, 2, 2, 2]);
  });

  it('at-most-once acks before the handler runs: an unsettled delivery is not redelivered after close', async () => {
    const topic = unique('amo');
    const consumer = transport();
    await consumer.connect();
    let handed = 0;
    await consumer.subscribe(subscribeOptions(topic, { guarantee: 'at-most-once' }), async () => {
      handed++; // never settles
    });
    await t.publish([message(topic, 1)], { guarantee: 'at-most-once' });
    await waitFor('delivery', () => handed === 1);
    await consumer.close();
    const raw = await rawConnection();
    const ch = await raw.createChannel();
    const q = await ch.checkQueue(`${topic}.g`);
    expect(q.messageCount).toBe(0); // unacked messages would be back in the queue after close
    await raw.close();
  });

  it('at-least-once leaves a delivery still in its handler at close to the broker, which redelivers it', async () => {
    const topic = unique('alo');
    const consumer = transport();
    await consumer.connect();
    let handed = 0;
    await consumer.subscribe(subscribeOptions(topic), async () => {
      handed++;
      await new Promise(() => undefined); // still running when the transport closes (a stop that timed out)
    });
    await t.publish([message(topic, 1)], { guarantee: 'at-least-once' });
    await waitFor('delivery', () => handed === 1);
    await consumer.close();
    const raw = await rawConnection();
    const ch = await raw.createChannel();
    await waitFor('requeued', async () => (await ch.checkQueue(`${topic}.g`)).messageCount === 1);
    await raw.close();
  });

  it('quorum queues: delayed retry through quorum retry queues, attempt from the header', async () => {
    const q = transport({ queueType: 'quorum', deliveryLimit: 10 });
    await q.connect();
    const topic = unique('quorum');
    const seen: number[] = [];
    await q.subscribe(subscribeOptions(topic), async (d) => {
      seen.push(d.attempt);
      if (d.attempt < 2) await d.nack({ delayMs: 20, attempt: 2 });
      else await d.ack();
    });
    await q.publish([message(topic, 1)], { guarantee: 'at-least-once' });
    await waitFor('two attempts', () => seen.length === 2);
    expect(seen).toEqual([1, 2]);
    const raw = await rawConnection();
    const ch = await raw.createChannel();
    ch.on('error', () => undefined);
    // a quorum queue re-declared as classic is refused: the queue really is a quorum queue
    await expect(ch.assertQueue(`${topic}.g`, { durable: true })).rejects.toThrow(/PRECONDITION/);
    await raw.close().catch(() => undefined);
    await q.close();
  });

  it('close is idempotent', async () => {
    const other = transport({ url: AMQP_URL });
    await other.connect();
    await Promise.all([other.close(), other.close()]);
    await other.close();
  });
});

describe('rabbitmq topology that exists with other settings', () => {
  it('an exchange of another type is a ConfigurationError naming it and what to do; other topics still work', async () => {
    const topic = unique('fanout-taken');
    const raw = await rawConnection();
    const ch = await raw.createChannel();
    await ch.assertExchange(topic, 'fanout', { durable: false, autoDelete: false });
    const t = transport();
    await t.connect();
    try {
      const refused = t.ensureTopics!([topic]);
      await expect(refused).rejects.toBeInstanceOf(ConfigurationError);
      await expect(refused).rejects.toMatchObject({
        field: `exchange '${topic}'`,
        message: expect.stringMatching(/inequivalent arg 'type'.*delete it/),
      });
      // Only the declaring channel closed: publishing to and declaring another topic still work.
      const other = unique('after-406');
      await t.ensureTopics!([other]);
      const got: Delivery[] = [];
      await t.subscribe(subscribeOptions(other), async (d) => {
        got.push(d);
        await d.ack();
      });
      await t.publish([message(other, { n: 1 })], { guarantee: 'at-least-once' });
      await waitFor('delivery after the refusal', () => got.length === 1);
      const bus = createBus({ transport: t, logger: silentLogger });
      bus.bind(topic, async () => undefined, { group: unique('g') });
      await expect(bus.start()).rejects.toBeInstanceOf(ConfigurationError);
    } finally {
      await ch.deleteExchange(topic).catch(() => undefined);
      await raw.close();
      await t.close();
    }
  });
});
