import type { Channel, ChannelModel } from 'amqplib';
import {
  ConfigurationError,
  createBus,
  Headers,
  PermanentError,
  silentLogger,
  type Bus,
  type Transport,
} from '@polybus/core';
import { runDeadLetterAccessSuite } from '@polybus/conformance';
import type { DeadLetterAccess, DeadLetterBatch } from '@polybus/core/transport';
import { createSpy } from '@polybus/core/testing';
import { groupQueueName, retainedQueueName, type RabbitmqTransportOptions } from '../src';
import { rawConnection, transport, unique, waitFor } from './helpers';

runDeadLetterAccessSuite({ name: 'rabbitmq', createTransport: () => transport() });

describe('rabbitmq deadLetters(): the retention queue', () => {
  const buses: Bus[] = [];
  const transports: Transport[] = [];
  let raw: ChannelModel;
  let channel: Channel;
  beforeAll(async () => {
    raw = await rawConnection();
    channel = await raw.createChannel();
  });
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.stop({ timeoutMs: 2_000 })));
    await Promise.all(transports.splice(0).map((t) => t.close()));
  });
  afterAll(() => raw.close());

  const bus = (): Bus => {
    const b = createBus({ transport: transport(), logger: silentLogger });
    buses.push(b);
    return b;
  };
  const access = async (): Promise<{ t: Transport; dla: DeadLetterAccess }> => {
    const t = transport();
    transports.push(t);
    await t.connect();
    return { t, dla: t.deadLetters!() };
  };
  const ready = async (queue: string): Promise<number> => (await channel.checkQueue(queue)).messageCount;

  /** `count` messages dead-lettered one at a time (concurrency 1), so the letters keep their order. */
  async function deadLettered(
    count: number,
    options: Partial<RabbitmqTransportOptions> = {},
  ): Promise<{ topic: string; dlq: string; ids: string[] }> {
    const topic = unique('dla');
    const dlq = `${topic}.dlq`;
    const b = createBus({ transport: transport(options), logger: silentLogger });
    buses.push(b);
    b.bind<{ n: number }>(
      topic,
      async (m) => {
        throw new PermanentError(`bad ${m.body.n}`);
      },
      { group: 'g', concurrency: 1 },
    );
    await b.start();
    const ids: string[] = [];
    for (let n = 0; n < count; n++)
      ids.push((await b.publish(topic, { n }, { key: `k-${n}`, headers: { 'x-trace': `t-${n}` } })).id);
    await waitFor(`${count} letters retained`, async () => (await ready(retainedQueueName(dlq))) >= count);
    return { topic, dlq, ids };
  }
  const idsOf = (batch: DeadLetterBatch): string[] => batch.letters.map((l) => l.message.id);

  it('decodes each letter as dead-lettered: id, key, body, headers, envelope, storedAt = failed-at', async () => {
    const { topic, dlq, ids } = await deadLettered(2);
    const { dla } = await access();
    const batch = await dla.browse(dlq, { limit: 10 });
    try {
      expect(batch.removesEach).toBe(true);
      expect(idsOf(batch)).toEqual(ids);
      batch.letters.forEach((letter, n) => {
        expect(letter.ref).toMatch(/^\d+$/);
        expect(letter.message.topic).toBe(dlq);
        expect(letter.message.key).toBe(`k-${n}`);
        expect(JSON.parse(letter.message.payload.toString())).toEqual({ n });
        expect(letter.message.headers).toMatchObject({
          'x-trace': `t-${n}`,
          [Headers.id]: ids[n],
          [Headers.dlqReason]: 'permanent-error',
          [Headers.dlqSource]: topic,
          [Headers.dlqGroup]: 'g',
        });
        expect(letter.message.headers[Headers.dlqError]).toContain(`bad ${n}`);
        expect(letter.storedAt).toBe(Date.parse(letter.message.headers[Headers.dlqFailedAt]!));
      });
    } finally {
      await batch.release();
    }
  });

  it('held letters are skipped by the next browse; release gives them back in their order', async () => {
    const { dlq, ids } = await deadLettered(5);
    const { dla } = await access();
    const first = await dla.browse(dlq, { limit: 2 });
    const second = await dla.browse(dlq, { limit: 10 });
    expect(idsOf(first)).toEqual(ids.slice(0, 2));
    expect(idsOf(second)).toEqual(ids.slice(2));
    expect(idsOf(await dla.browse(dlq, { limit: 10 }))).toEqual([]);
    await second.release();
    await first.release();
    const again = await dla.browse(dlq, { limit: 10 });
    expect(idsOf(again)).toEqual(ids);
    // Remove from the middle: the rest goes back in order, the removed are gone for good.
    await again.remove([again.letters[1]!.ref, again.letters[3]!.ref, 'no-such-tag']);
    await again.release();
    expect(await ready(retainedQueueName(dlq))).toBe(3);
    const rest = await dla.browse(dlq, { limit: 10 });
    expect(idsOf(rest)).toEqual([ids[0], ids[2], ids[4]]);
    await rest.release();
  });

  it('quorum retention queue: a released batch goes back to the head in its order', async () => {
    // Quorum queues return letters to the head in the order they are released (classic queues
    // put each back at its place): one batch keeps its order.
    const { dlq, ids } = await deadLettered(5, { queueType: 'quorum' });
    const { dla } = await access();
    const held = await dla.browse(dlq, { limit: 3 });
    expect(idsOf(held)).toEqual(ids.slice(0, 3));
    await held.release();
    const all = await dla.browse(dlq, { limit: 10 });
    expect(idsOf(all)).toEqual(ids);
    await all.release();
  });

  it('remove is done when it resolves; a batch whose channel closed refuses to remove', async () => {
    const { dlq } = await deadLettered(2);
    const { t, dla } = await access();
    const batch = await dla.browse(dlq, { limit: 1 });
    await batch.remove([batch.letters[0]!.ref]);
    // Counted right after remove resolves, while the batch's channel is still open.
    expect(await ready(retainedQueueName(dlq))).toBe(1);
    const held = await dla.browse(dlq, { limit: 1 });
    await t.close();
    await expect(held.remove([held.letters[0]!.ref])).rejects.toThrow(/browse again/);
    await waitFor('the held letter back', async () => (await ready(retainedQueueName(dlq))) === 1);
  });

  it('a reader that goes away without release leaves every letter, in order', async () => {
    const { dlq, ids } = await deadLettered(4);
    const reader = await access();
    const held = await reader.dla.browse(dlq, { limit: 3 });
    expect(idsOf(held)).toEqual(ids.slice(0, 3));
    await reader.t.close(); // no release: the connection goes, as with a killed process
    const { dla } = await access();
    await waitFor('all letters ready again', async () => (await ready(retainedQueueName(dlq))) === 4);
    const batch = await dla.browse(dlq, { limit: 10 });
    expect(idsOf(batch)).toEqual(ids);
    await batch.release();
  });

  it('a topic without a retention queue is a ConfigurationError, and browsing creates nothing', async () => {
    const { dla } = await access();
    const topic = unique('nothing.dlq');
    const error = await dla.browse(topic, { limit: 10 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ConfigurationError.is(error)).toBe(true);
    expect(String(error)).toContain(retainedQueueName(topic));
    const probe = await raw.createChannel();
    probe.on('error', () => undefined); // the 404 closes it
    await expect(probe.checkQueue(retainedQueueName(topic))).rejects.toMatchObject({ code: 404 });
  });
});

describe('rabbitmq: a new binding on a dead-letter topic (issue 24)', () => {
  const buses: Bus[] = [];
  let raw: ChannelModel;
  beforeAll(async () => {
    raw = await rawConnection();
  });
  afterEach(() => Promise.all(buses.splice(0).map((b) => b.stop({ timeoutMs: 2_000 }))));
  afterAll(() => raw.close());
  const bus = (): Bus => {
    const b = createBus({ transport: transport(), logger: silentLogger });
    buses.push(b);
    return b;
  };
  const ready = async (queue: string): Promise<number> => {
    const channel = await raw.createChannel();
    try {
      return (await channel.checkQueue(queue)).messageCount;
    } finally {
      await channel.close();
    }
  };

  it('reads the letters retained before it, in order; each new group does; the retention queue keeps them', async () => {
    const topic = unique('retained');
    const dlq = `${topic}.dlq`;
    const producer = bus();
    producer.bind(
      topic,
      async () => {
        throw new PermanentError('bad');
      },
      { group: 'g', concurrency: 1 },
    );
    await producer.start();
    const ids: string[] = [];
    for (let n = 0; n < 5; n++) ids.push((await producer.publish(topic, { n }, { key: `k-${n}` })).id);
    await waitFor('5 letters retained', async () => (await ready(retainedQueueName(dlq))) === 5);

    const first = createSpy<{ n: number }>();
    const second = createSpy<{ n: number }>();
    const consumer = bus();
    consumer.bind(dlq, first.handler, { group: 'ops', concurrency: 1 });
    consumer.bind(dlq, second.handler, { group: 'audit', concurrency: 1 });
    await consumer.start();
    await first.waitForAll(ids, { timeoutMs: 20_000 });
    await second.waitForAll(ids, { timeoutMs: 20_000 });
    expect(first.processed.map((m) => m.id)).toEqual(ids);
    expect(second.processed.map((m) => m.id)).toEqual(ids);
    expect(first.processed.map((m) => m.key)).toEqual(ids.map((_, n) => `k-${n}`));
    expect(first.processed[0]!.headers[Headers.dlqReason]).toBe('permanent-error');
    // Still there for deadLetters() and for the next new group.
    expect(await ready(retainedQueueName(dlq))).toBe(5);

    // A letter after the group queues exist arrives once, by their binding.
    const late = (await producer.publish(topic, { n: 5 }, { key: 'k-5' })).id;
    await first.waitFor({ id: late }, { timeoutMs: 20_000 });
    await second.waitFor({ id: late }, { timeoutMs: 20_000 });

    // The group queues exist now: a restart copies nothing again.
    await consumer.stop({ timeoutMs: 2_000 });
    const again = bus();
    const restarted = createSpy<{ n: number }>();
    again.bind(dlq, restarted.handler, { group: 'ops', concurrency: 1 });
    await again.start();
    await new Promise((r) => setTimeout(r, 1_000));
    expect(restarted.processed).toHaveLength(0);
    expect(first.processed).toHaveLength(6);
    expect(second.processed).toHaveLength(6);
    expect(await ready(groupQueueName(dlq, 'audit'))).toBe(0);
    expect(await ready(retainedQueueName(dlq))).toBe(6);
  });
});
