import { retainedQueueName } from '../src';
import {
  createBus,
  Headers,
  memoryIdempotencyStore,
  PermanentError,
  silentLogger,
  type Bus,
  type Message,
} from '@polybus/core';
import { createSpy, recordingLogger } from '@polybus/core/testing';
import { AMQP_URL, getOne, rawConnection, transport, unique, waitFor } from './helpers';

/** Records every call; the first call with `body` throws (a transient failure the retry absorbs). */
function recordFailingOnce(body: string): { seen: Message[]; handler: (m: Message) => Promise<void> } {
  const seen: Message[] = [];
  let failedOnce = false;
  return {
    seen,
    handler: async (m) => {
      seen.push(m);
      if (m.body === body && !failedOnce) {
        failedOnce = true;
        throw new Error('transient');
      }
    },
  };
}

describe('rabbitmq with the bus', () => {
  const buses: Bus[] = [];
  const bus = (url?: string) => {
    const b = url
      ? createBus({ url, logger: silentLogger })
      : createBus({ transport: transport(), logger: silentLogger });
    buses.push(b);
    return b;
  };
  afterAll(() => Promise.all(buses.map((b) => b.stop({ timeoutMs: 2_000 }))));

  it('createBus({ url: amqp://... }) loads this adapter and round-trips', async () => {
    const topic = unique('url');
    const b = bus(`${AMQP_URL}?prefetch=8`);
    const spy = createSpy<{ n: number }>();
    b.bind(topic, spy.handler, { group: 'g' });
    await b.start();
    const { id } = await b.publish(topic, { n: 1 }, { key: 'k' });
    const m = await spy.waitFor({ id }, { timeoutMs: 20_000 });
    expect(m.body).toEqual({ n: 1 });
    expect(m.key).toBe('k');
  });

  it('poison: dead letter after the configured attempts, with increasing delays between attempts', async () => {
    const topic = unique('poison');
    const b = bus();
    const attempts: Array<{ attempt: number; at: number }> = [];
    b.bind(
      topic,
      async (_m, ctx) => {
        attempts.push({ attempt: ctx.attempt, at: Date.now() });
        throw new Error('always fails');
      },
      {
        group: 'g',
        retry: { maxAttempts: 4, initialDelayMs: 30, multiplier: 3, jitter: false, immediateAttempts: 1 },
      },
    );
    const dead = createSpy();
    b.bind(`${topic}.dlq`, dead.handler, { group: 'ops' });
    await b.start();
    const { id } = await b.publish(topic, { poison: true }, { key: 'p' });
    const letter = await dead.waitFor({ id }, { timeoutMs: 30_000 });
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
    const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i].at);
    expect(gaps[1]).toBeGreaterThan(gaps[0]);
    expect(gaps[2]).toBeGreaterThan(gaps[1]);
    expect(letter.body).toEqual({ poison: true });
    expect(letter.key).toBe('p');
    expect(letter.headers).toMatchObject({
      [Headers.dlqReason]: 'max-attempts',
      [Headers.dlqAttempts]: '4',
      [Headers.dlqSource]: topic,
      [Headers.dlqGroup]: 'g',
      'polybus-dlq-amqp-queue': `${topic}.g`,
    });
    expect(letter.headers[Headers.dlqError]).toMatch(/always fails/);
  });

  it('a permanent error goes to the dead letter at once', async () => {
    const topic = unique('perm');
    const b = bus();
    let calls = 0;
    b.bind(
      topic,
      async () => {
        calls++;
        throw new PermanentError('no');
      },
      { group: 'g' },
    );
    const dead = createSpy();
    b.bind(`${topic}.dlq`, dead.handler, { group: 'ops' });
    await b.start();
    const { id } = await b.publish(topic, 1);
    const letter = await dead.waitFor({ id }, { timeoutMs: 20_000 });
    expect(letter.headers[Headers.dlqReason]).toBe('permanent-error');
    expect(calls).toBe(1);
  });

  it('an undecodable body from a raw amqplib publisher goes to the dead letter with decode-error; the consumer goes on', async () => {
    const topic = unique('decode');
    const b = bus();
    const spy = createSpy<{ ok: boolean }>();
    b.bind(topic, spy.handler, { group: 'g' });
    await b.start();
    const raw = await rawConnection();
    const ch = await raw.createConfirmChannel();
    ch.publish(topic, 'raw.key', Buffer.from('{not json'), { messageId: 'raw-1', persistent: true });
    ch.publish(topic, 'raw.key', Buffer.from('{"ok":true}'), { messageId: 'raw-2', persistent: true });
    await ch.waitForConfirms();
    const good = await spy.waitFor({ id: 'raw-2' }, { timeoutMs: 20_000 });
    expect(good.body).toEqual({ ok: true });
    // The copy is still undecodable, so it is read raw from the dead-letter topic's queue.
    const letter = await getOne(ch, retainedQueueName(`${topic}.dlq`));
    expect(letter.content.toString()).toBe('{not json');
    expect(letter.properties.messageId).toBe('raw-1');
    expect(letter.properties.headers).toMatchObject({
      [Headers.dlqReason]: 'decode-error',
      'polybus-key': 'raw.key',
    });
    await raw.close();
  });

  it('a raw message without an id gets one from messageId, else a new amqp-<uuidv7> that its retries keep', async () => {
    const topic = unique('ids');
    const b = bus();
    const { seen, handler } = recordFailingOnce('no-id');
    b.bind(topic, handler, {
      group: 'g',
      retry: { maxAttempts: 3, initialDelayMs: 10, immediateAttempts: 1 },
    });
    await b.start();
    const raw = await rawConnection();
    const ch = await raw.createConfirmChannel();
    ch.publish(topic, '', Buffer.from('"with-id"'), { messageId: 'mid-7', contentType: 'application/json' });
    ch.publish(topic, '', Buffer.from('"no-id"'), {});
    await ch.waitForConfirms();
    await raw.close();
    await waitFor('three handler calls', () => seen.length === 3);
    expect(seen.find((m) => m.body === 'with-id')?.id).toBe('mid-7');
    const noId = seen.filter((m) => m.body === 'no-id');
    expect(noId[0].id).toMatch(/^amqp-[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(noId[1].id).toBe(noId[0].id); // the same after the retry round trip
    expect(noId[0].key).toBeUndefined();
  });

  it('exactly-once: four equal foreign events without message_id are four messages (each handled, none a duplicate), a retry keeps its id, and two with one message_id are one', async () => {
    // Issue 20, item 4: the id was a hash of exchange, routing key, headers and body, so equal
    // business events from a foreign producer were taken for duplicates of the first: ran once.
    const topic = unique('foreign-eo');
    const logger = recordingLogger();
    const b = createBus({ transport: transport({ logger }), logger: silentLogger });
    buses.push(b);
    const store = memoryIdempotencyStore();
    const { seen, handler } = recordFailingOnce('deposit 10');
    b.bind(topic, handler, {
      group: 'g',
      guarantee: 'exactly-once',
      idempotency: store,
      retry: { maxAttempts: 3, initialDelayMs: 10, immediateAttempts: 1 },
    });
    await b.start();
    const raw = await rawConnection();
    const ch = await raw.createConfirmChannel();
    for (let i = 0; i < 4; i++)
      ch.publish(topic, 'acct.1', Buffer.from('"deposit 10"'), { contentType: 'application/json' });
    for (let i = 0; i < 2; i++)
      ch.publish(topic, 'acct.1', Buffer.from('"deposit 5"'), {
        contentType: 'application/json',
        messageId: 'dep-5',
      });
    await ch.waitForConfirms();
    await raw.close();
    const counters = () => b.stats()[0]!.counters;
    await waitFor('every foreign event settled', () => seen.length >= 6 && counters().duplicates >= 1);
    await new Promise((r) => setTimeout(r, 500)); // nothing more arrives
    const tens = seen.filter((m) => m.body === 'deposit 10');
    expect(tens).toHaveLength(5); // four events, one of them run twice (the retry)
    expect(new Set(tens.map((m) => m.id)).size).toBe(4);
    expect(seen.filter((m) => m.body === 'deposit 5').map((m) => m.id)).toEqual(['dep-5']);
    expect(counters().duplicates).toBe(1);
    expect(logger.warnings.filter((w) => w.message.includes('without message_id'))).toHaveLength(1);
  });

  it('messages written by Polybus are read by a plain amqplib consumer with properties and headers intact', async () => {
    const topic = unique('interop');
    const raw = await rawConnection();
    const ch = await raw.createChannel();
    await ch.assertExchange(topic, 'topic', { durable: true });
    const { queue } = await ch.assertQueue('', { exclusive: true });
    await ch.bindQueue(queue, topic, '#');
    const b = bus();
    const { id } = await b.publish(
      topic,
      { total: 42 },
      { key: 'order-9', headers: { tenant: 'acme' }, idempotencyKey: 'idem-1' },
    );
    const m = await getOne(ch, queue);
    expect(JSON.parse(m.content.toString())).toEqual({ total: 42 });
    expect(m.fields.routingKey).toBe('order-9');
    expect(m.properties).toMatchObject({ messageId: id, contentType: 'application/json', deliveryMode: 2 });
    expect(typeof m.properties.timestamp).toBe('number');
    expect(m.properties.headers).toMatchObject({
      [Headers.idempotencyKey]: 'idem-1',
      tenant: 'acme',
      'polybus-key': 'order-9',
    });
    // The id travels once, as the AMQP message-id property, like content-type.
    expect(m.properties.headers).not.toHaveProperty(Headers.id);
    await raw.close();
  });
});
