// The `DeadLetterAccess` contract (core/src/dead-letter-access.ts) on a real broker. In an
// adapter's test folder, with a factory of new, unconnected transports that implement `deadLetters()`:
//
//   import { runDeadLetterAccessSuite } from '@polybus/conformance';
//   runDeadLetterAccessSuite({ name: 'rabbitmq', createTransport: () => rabbitmqTransport({ url }) });
//
// Letters are made by a real bus binding whose handler throws `PermanentError`, on `${topic}.dlq`.
// The cases page both ways the contract allows (they pass `after` and keep earlier batches
// unreleased), so one suite serves logs (Kafka, Redis) and queues (RabbitMQ, SQS).
import { bytesCodec, Headers, PermanentError, type Transport } from '@polybus/core';
import type { DeadLetterAccess, DeadLetterBatch, StoredDeadLetter } from '@polybus/core/transport';
import { createSpy, waitFor } from '@polybus/core/testing';
import { Harness } from './harness';
import type { ConformanceOptions } from './options';

interface Sent {
  id: string;
  key: string;
  n: number;
}

/** A connected transport's `deadLetters()`; fails the case when the transport has none. */
async function accessOf(h: Harness): Promise<DeadLetterAccess> {
  const transport: Transport = await h.transport();
  expect(typeof transport.deadLetters).toBe('function');
  return transport.deadLetters!();
}

/** Every letter now on `topic`, page by page; every batch released at the end. */
export async function browseAll(
  access: DeadLetterAccess,
  topic: string,
  limit = 100,
): Promise<StoredDeadLetter[]> {
  const batches: DeadLetterBatch[] = [];
  const letters: StoredDeadLetter[] = [];
  try {
    for (;;) {
      const after = letters.at(-1)?.ref;
      const batch = await access.browse(topic, after === undefined ? { limit } : { limit, after });
      batches.push(batch);
      if (batch.letters.length === 0) return letters;
      expect(batch.letters.length).toBeLessThanOrEqual(limit);
      letters.push(...batch.letters);
    }
  } finally {
    await Promise.all(batches.map((b) => b.release()));
  }
}

/** Waits until `topic` holds at least `count` letters (dead-lettering is asynchronous). */
async function lettersOn(
  access: DeadLetterAccess,
  topic: string,
  count: number,
  waitMs: number,
): Promise<StoredDeadLetter[]> {
  let seen: StoredDeadLetter[] = [];
  let failure = '';
  await waitFor(
    async () => {
      // Until the first letter, the topic may not exist (a Redis stream, an SQS queue made lazily).
      seen = await browseAll(access, topic).catch((error: Error) => ((failure = `; ${error.message}`), []));
      return seen.length >= count;
    },
    { timeoutMs: waitMs, intervalMs: 250, description: `${count} letters on ${topic}${failure}` },
  );
  return seen;
}

/** A binding that dead-letters every message at once, and `count` messages published to it. */
async function deadLetter(
  h: Harness,
  label: string,
  count: number,
  keyOf: (n: number) => string,
): Promise<{ topic: string; dlq: string; group: string; sent: Sent[] }> {
  const topic = h.topic(label);
  const group = h.group('dla');
  const bus = h.bus();
  bus.bind<{ n: number }>(
    topic,
    async (m) => {
      throw new PermanentError(`bad order ${m.body.n}`);
    },
    { group },
  );
  await bus.start();
  const sent: Sent[] = [];
  for (let n = 0; n < count; n++) {
    const key = keyOf(n);
    const receipt = await bus.publish(topic, { n }, { key, headers: { 'x-trace': `t-${n}` } });
    sent.push({ id: receipt.id, key, n });
  }
  return { topic, dlq: `${topic}.dlq`, group, sent };
}

const ids = (letters: readonly StoredDeadLetter[]): string[] => letters.map((l) => l.message.id).sort();
const idsOf = (sent: readonly Sent[]): string[] => sent.map((s) => s.id).sort();
const bodyOf = (l: StoredDeadLetter): unknown => JSON.parse(Buffer.from(l.message.payload).toString('utf8'));

/**
 * Defines the dead-letter access cases as Jest tests (a `describe` of its own). Call it at the top
 * level of a test file.
 */
export function runDeadLetterAccessSuite(options: ConformanceOptions): void {
  const waitMs = options.waitMs ?? 30_000;
  const run = (name: string, body: (h: Harness) => Promise<void>, timeoutMs = 120_000): void => {
    const reason = options.skip?.[name];
    if (reason) return void it.skip(`${name} (skipped: ${reason})`, () => undefined);
    it(
      name,
      async () => {
        const h = new Harness(options);
        try {
          await body(h);
        } finally {
          await h.cleanup();
        }
      },
      timeoutMs,
    );
  };

  describe(`dead-letter access: ${options.name}`, () => {
    run('browse shows each letter as dead-lettered, and reading consumes nothing', async (h) => {
      const startedAt = Date.now();
      const { topic, dlq, group, sent } = await deadLetter(h, 'dla-browse', 3, (n) => `k-${n}`);
      const access = await accessOf(h);
      const letters = await lettersOn(access, dlq, sent.length, waitMs);
      expect(ids(letters)).toEqual(idsOf(sent));
      expect(new Set(letters.map((l) => l.ref)).size).toBe(letters.length);
      for (const letter of letters) {
        const original = sent.find((s) => s.id === letter.message.id)!;
        expect(letter.message.key).toBe(original.key);
        expect(bodyOf(letter)).toEqual({ n: original.n });
        expect(letter.message.headers).toMatchObject({
          'x-trace': `t-${original.n}`,
          [Headers.dlqReason]: 'permanent-error',
          [Headers.dlqSource]: topic,
          [Headers.dlqGroup]: group,
          [Headers.dlqAttempts]: '1',
        });
        expect(letter.message.headers[Headers.dlqError]).toContain(`bad order ${original.n}`);
        expect(Number.isNaN(Date.parse(letter.message.headers[Headers.dlqFailedAt]!))).toBe(false);
        if (letter.storedAt !== undefined) {
          expect(letter.storedAt).toBeGreaterThanOrEqual(startedAt - 60_000);
          expect(letter.storedAt).toBeLessThanOrEqual(Date.now() + 60_000);
        }
      }

      // A second read sees the same letters: the first one consumed nothing.
      expect(ids(await browseAll(access, dlq))).toEqual(idsOf(sent));

      // A binding on the dead-letter topic still receives every letter after the reads.
      const spy = createSpy<Buffer>();
      const consumer = h.bus();
      consumer.bind(dlq, spy.handler, { group: h.group('dlq-reader'), codec: bytesCodec });
      await consumer.start();
      await spy.waitForAll(
        sent.map((s) => s.id),
        { timeoutMs: waitMs },
      );
    });

    run('remove deletes letters for good (each, or a prefix); release gives the rest back', async (h) => {
      // One key: one partition on Kafka, so "a prefix" is a prefix of these very letters.
      const { dlq, sent } = await deadLetter(h, 'dla-remove', 4, () => 'same-key');
      const access = await accessOf(h);
      await lettersOn(access, dlq, sent.length, waitMs);

      const batch = await access.browse(dlq, { limit: 10 });
      const held = batch.letters;
      expect(ids(held)).toEqual(idsOf(sent));
      // Letters 0, 1 and 3: where only a prefix can go, letter 3 stays (letter 2 is kept before it).
      const removed = [held[0]!, held[1]!, held[3]!];
      await batch.remove(removed.map((l) => l.ref));
      await batch.remove([held[0]!.ref]); // already gone: ignored
      await batch.release();

      const expected = batch.removesEach ? [held[2]!] : [held[2]!, held[3]!];
      const left = await browseAll(access, dlq);
      expect(ids(left)).toEqual(ids(expected));
      // And once more: removal is for good, release put back exactly the rest.
      expect(ids(await browseAll(access, dlq))).toEqual(ids(expected));
    });

    run(
      'a topic the broker does not have is refused with ConfigurationError, not read as empty',
      async (h) => {
        const access = await accessOf(h);
        const missing = `${h.topic('dla-missing')}.dlq`;
        await expect(access.browse(missing, { limit: 10 })).rejects.toMatchObject({
          code: 'POLYBUS_CONFIGURATION',
          message: expect.stringContaining(missing),
        });
      },
    );

    run('paging returns every letter exactly once, then an empty batch', async (h) => {
      const { dlq, sent } = await deadLetter(h, 'dla-paging', 7, (n) => `k-${n % 3}`);
      const access = await accessOf(h);
      await lettersOn(access, dlq, sent.length, waitMs);

      const batches: DeadLetterBatch[] = [];
      const seen: StoredDeadLetter[] = [];
      try {
        for (let page = 0; page < 10; page++) {
          const after = seen.at(-1)?.ref;
          const batch = await access.browse(dlq, after === undefined ? { limit: 3 } : { limit: 3, after });
          batches.push(batch);
          if (batch.letters.length === 0) break;
          expect(batch.letters.length).toBeLessThanOrEqual(3);
          seen.push(...batch.letters);
        }
        expect(batches.map((b) => b.letters.length)).toEqual([3, 3, 1, 0]);
        expect(ids(seen)).toEqual(idsOf(sent));
      } finally {
        await Promise.all(batches.map((b) => b.release()));
      }
      // Paging consumed nothing either.
      expect(ids(await browseAll(access, dlq))).toEqual(idsOf(sent));
    });
  });
}
