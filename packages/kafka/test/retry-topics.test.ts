import { createBus, Headers, silentLogger, type Bus } from '@polybus/core';
import { retryTopicOf } from '../src/wire';
import { createTopic, readAll, testTransport, unique, waitFor } from './helpers';

const buses: Bus[] = [];
function bus(): Bus {
  const b = createBus({ transport: testTransport({ retryTopics: true }), logger: silentLogger });
  buses.push(b);
  return b;
}
afterEach(async () => {
  await Promise.allSettled(buses.splice(0).map((b) => b.stop({ timeoutMs: 2_000 })));
});

interface Seen {
  n: number;
  attempt: number;
  at: number;
  id: string;
  topic: string;
}

describe('kafka non-blocking retries (retryTopics: true)', () => {
  it('a delayed retry does not stall its partition: the records behind it go first, the retry comes back when due', async () => {
    const topic = unique('retry');
    await createTopic(topic, 1);
    const group = unique('g');
    const seen: Seen[] = [];
    const b = bus();
    b.bind<{ n: number }>(
      topic,
      (m, ctx) => {
        seen.push({ n: m.body.n, attempt: ctx.attempt, at: Date.now(), id: m.id, topic: m.topic });
        if (m.body.n === 0 && ctx.attempt === 1) throw new Error('transient failure');
      },
      {
        group,
        concurrency: 1, // one at a time: in place, the retry would hold up everything behind it
        retry: {
          maxAttempts: 3,
          immediateAttempts: 1,
          initialDelayMs: 1_500,
          maxDelayMs: 1_500,
          jitter: false,
        },
      },
    );
    await b.start();
    const receipts = await b.publishBatch([0, 1, 2, 3].map((n) => ({ topic, body: { n }, key: 'same' })));
    await waitFor(() => seen.some((s) => s.n === 0 && s.attempt === 2), 30_000, 'the retry of record 0');

    expect(seen.map((s) => `${s.n}@${s.attempt}`)).toEqual(['0@1', '1@1', '2@1', '3@1', '0@2']);
    const [first, retried] = [seen[0], seen[4]];
    expect(retried.id).toBe(receipts[0].id);
    expect(retried.topic).toBe(topic);
    expect(retried.at - first.at).toBeGreaterThanOrEqual(1_000); // the 1.5 s delay, less clock granularity

    const [copy] = await readAll(retryTopicOf(topic, group), (r) => r.length >= 1);
    expect(copy.headers![Headers.attempt]!.toString()).toBe('2');
    expect(copy.headers![Headers.id]!.toString()).toBe(receipts[0].id);
  });

  it('retries run out through the retry topic into the dead-letter topic, with the envelope', async () => {
    const topic = unique('retry-dlq');
    await createTopic(topic, 1);
    const group = unique('g');
    const attempts: number[] = [];
    const b = bus();
    b.bind(
      topic,
      (_m, ctx) => {
        attempts.push(ctx.attempt);
        throw new Error('always fails');
      },
      {
        group,
        retry: { maxAttempts: 3, immediateAttempts: 1, initialDelayMs: 200, maxDelayMs: 200, jitter: false },
      },
    );
    await b.start();
    const { id } = await b.publish(topic, { doomed: true });
    const [dead] = await readAll(`${topic}.dlq`, (r) => r.length >= 1);
    const header = (name: string) => dead.headers![name]?.toString();
    expect(attempts).toEqual([1, 2, 3]);
    expect(header(Headers.id)).toBe(id);
    expect(header(Headers.dlqReason)).toBe('max-attempts');
    expect(header(Headers.dlqSource)).toBe(topic);
    expect(header(Headers.dlqAttempts)).toBe('3');
    expect(JSON.parse(dead.value!.toString())).toEqual({ doomed: true });
  });
});
