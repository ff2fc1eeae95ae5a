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
import { waitFor } from '@polybus/core/testing';
import { queueNameFor } from '@polybus/sqs';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { queueDepth, rawClient, testTransport, uniqueTopic } from './helpers';

// Letters held by a batch stay invisible for the visibility timeout, extended by the heartbeat.
const visibilityTimeoutSeconds = 3;

runDeadLetterAccessSuite({
  name: 'sqs (standard queues, ElasticMQ)',
  createTransport: () => testTransport({ visibilityTimeoutSeconds }),
});

// fifo: 'always': the dead-letter queues are FIFO, the letters' keys their message groups.
runDeadLetterAccessSuite({
  name: 'sqs (FIFO queues, ElasticMQ)',
  createTransport: () => testTransport({ visibilityTimeoutSeconds, fifo: 'always' }),
  skip: {
    'paging returns every letter exactly once, then an empty batch':
      'SQS hands out no more of a message group while one of its messages is held, so a page held unreleased hides the rest of its groups (documented; the FIFO case below shows what paging returns)',
  },
});

describe('sqs deadLetters()', () => {
  const client = rawClient();
  const buses: Bus[] = [];
  const transports: Transport[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.stop({ timeoutMs: 2_000 })));
    await Promise.all(transports.splice(0).map((t) => t.close()));
  });
  afterAll(() => client.destroy());

  const access = async (): Promise<{ t: Transport; dla: DeadLetterAccess }> => {
    const t = testTransport({ visibilityTimeoutSeconds });
    transports.push(t);
    await t.connect();
    return { t, dla: t.deadLetters!() };
  };
  const idsOf = (batch: DeadLetterBatch): string[] => batch.letters.map((l) => l.message.id);

  /** Messages dead-lettered one at a time by a real binding (`key(n)` per message). */
  async function deadLettered(
    count: number,
    key: (n: number) => string = (n) => `k-${n}`,
    fifo = false,
  ): Promise<{ topic: string; dlq: string; ids: string[] }> {
    const topic = uniqueTopic('dla', fifo ? '.fifo' : '');
    const dlq = `${topic}.dlq`;
    const b = createBus({
      transport: testTransport({ visibilityTimeoutSeconds }),
      logger: silentLogger,
    });
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
      ids.push((await b.publish(topic, { n }, { key: key(n), headers: { 'x-trace': `t-${n}` } })).id);
    await waitFor(async () => (await queueDepth(client, dlq)) >= count, {
      timeoutMs: 20_000,
      description: `${count} letters on ${dlq}`,
    });
    await b.stop({ timeoutMs: 2_000 });
    return { topic, dlq, ids };
  }

  it('decodes each letter as dead-lettered; storedAt is SentTimestamp; ref is the receipt handle', async () => {
    const startedAt = Date.now();
    const { topic, dlq, ids } = await deadLettered(3);
    const { dla } = await access();
    const batch = await dla.browse(dlq, { limit: 10 });
    try {
      expect(batch.removesEach).toBe(true);
      expect([...idsOf(batch)].sort()).toEqual([...ids].sort());
      for (const letter of batch.letters) {
        const n = ids.indexOf(letter.message.id);
        expect(letter.ref.length).toBeGreaterThan(10);
        expect(letter.message.topic).toBe(dlq);
        expect(letter.message.key).toBe(`k-${n}`);
        expect(JSON.parse(letter.message.payload.toString())).toEqual({ n });
        expect(letter.message.headers).toMatchObject({
          'x-trace': `t-${n}`,
          [Headers.dlqReason]: 'permanent-error',
          [Headers.dlqSource]: topic,
          [Headers.dlqGroup]: 'g',
          [Headers.dlqAttempts]: '1',
        });
        expect(letter.message.headers[Headers.dlqError]).toContain(`bad ${n}`);
        expect(letter.message.headers['polybus-dlq-sqs-message-id']).toBeDefined();
        expect(letter.storedAt).toBeGreaterThanOrEqual(startedAt - 1_000);
        expect(letter.storedAt).toBeLessThanOrEqual(Date.now());
      }
    } finally {
      await batch.release();
    }
  });

  it('held letters are skipped by the next browse; release gives them back; remove removes', async () => {
    const { dlq, ids } = await deadLettered(5);
    const { dla } = await access();
    const first = await dla.browse(dlq, { limit: 2 });
    const second = await dla.browse(dlq, { limit: 10 });
    expect(first.letters).toHaveLength(2);
    expect([...idsOf(first), ...idsOf(second)].sort()).toEqual([...ids].sort());
    expect(idsOf(await dla.browse(dlq, { limit: 10 }))).toEqual([]);
    await Promise.all([first.release(), second.release()]);

    const again = await dla.browse(dlq, { limit: 10 });
    expect([...idsOf(again)].sort()).toEqual([...ids].sort());
    const removed = [again.letters[1]!, again.letters[3]!];
    await again.remove([...removed.map((l) => l.ref), 'no-such-handle']);
    await again.remove([removed[0]!.ref]); // already gone: ignored
    expect(await queueDepth(client, dlq)).toBe(3); // the removed are gone, the rest still held
    await again.release();
    const rest = await dla.browse(dlq, { limit: 10 });
    const left = ids.filter((id) => !removed.some((l) => l.message.id === id));
    expect([...idsOf(rest)].sort()).toEqual([...left].sort());
    await rest.release();
  });

  it('a batch holds its letters beyond the visibility timeout (the heartbeat extends it)', async () => {
    const { dlq, ids } = await deadLettered(2);
    const { dla } = await access();
    const held = await dla.browse(dlq, { limit: 10 });
    expect(held.letters).toHaveLength(2);
    await new Promise((r) => setTimeout(r, (visibilityTimeoutSeconds + 2) * 1000));
    expect(idsOf(await dla.browse(dlq, { limit: 10 }))).toEqual([]);
    await held.release();
    const back = await dla.browse(dlq, { limit: 10 });
    expect([...idsOf(back)].sort()).toEqual([...ids].sort());
    await back.release();
  });

  it('a reader that closes without release leaves every letter; they come back after the timeout', async () => {
    const { dlq, ids } = await deadLettered(3);
    const reader = await access();
    const held = await reader.dla.browse(dlq, { limit: 10 });
    expect(held.letters).toHaveLength(3);
    await reader.t.close(); // no release, as with a killed process
    const { dla } = await access();
    expect(idsOf(await dla.browse(dlq, { limit: 10 }))).toEqual([]); // still invisible
    let seen: string[] = [];
    await waitFor(
      async () => {
        const batch = await dla.browse(dlq, { limit: 10 });
        seen = idsOf(batch);
        await batch.release();
        return seen.length === 3;
      },
      { timeoutMs: 20_000, description: 'every letter back' },
    );
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  it('a topic without a queue is a ConfigurationError, and browsing creates nothing', async () => {
    const { dla } = await access();
    const topic = uniqueTopic('nothing', '.dlq');
    const error = await dla.browse(topic, { limit: 10 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(ConfigurationError.is(error)).toBe(true);
    expect(String(error)).toContain(queueNameFor(topic).name);
    await expect(
      client.send(new GetQueueUrlCommand({ QueueName: queueNameFor(topic).name })),
    ).rejects.toBeDefined();
  });

  it('FIFO: every group is browsed, each in order; a group shows its next letters once earlier ones are removed', async () => {
    // Two groups of 12: one receive brings at most 10 of a group, the group then is locked.
    const { dlq, ids } = await deadLettered(24, (n) => `g-${n % 2}`, true);
    const { dla } = await access();
    const batch = await dla.browse(dlq, { limit: 100 });
    const byGroup = (b: DeadLetterBatch, g: string) =>
      b.letters.filter((l) => l.message.key === g).map((l) => l.message.id);
    const groupIds = (g: number) => ids.filter((_, n) => n % 2 === g);
    for (const g of [0, 1]) {
      const seen = byGroup(batch, `g-${g}`);
      expect(seen.length).toBeGreaterThan(0);
      expect(seen).toEqual(groupIds(g).slice(0, seen.length)); // the oldest, in order
    }
    await batch.remove(batch.letters.map((l) => l.ref));
    const next = await dla.browse(dlq, { limit: 100 });
    for (const g of [0, 1]) {
      const before = byGroup(batch, `g-${g}`).length;
      const seen = byGroup(next, `g-${g}`);
      expect(seen).toEqual(groupIds(g).slice(before, before + seen.length));
    }
    expect(batch.letters.length + next.letters.length).toBeGreaterThan(batch.letters.length);
    await next.release();
  });
});
