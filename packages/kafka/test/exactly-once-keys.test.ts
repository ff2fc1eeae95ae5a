import { createBus, memoryIdempotencyStore, type Message } from '@polybus/core';
import { recordingLogger } from '@polybus/core/testing';
import { createTopic, testTransport, unique, waitFor } from './helpers';

// Issue 20, item 1: exactly-once + a transient handler failure + a second publish under the same
// idempotency key deadlocked on Kafka: the duplicate (a higher offset) held the idempotency lock
// while its transaction waited for the lower offset to commit, and the lower offset's retry waited
// for that lock. Store and forward holds no lock across the commit.
describe('kafka exactly-once with an idempotency store', () => {
  it('transient failures + duplicate idempotency keys on one partition: every key once, no stall', async () => {
    const topic = unique('eo-dup');
    await createTopic(topic, 2);
    const logger = recordingLogger();
    const bus = createBus({ transport: testTransport(), logger });
    const effects = new Map<string, number>();
    const attempts = new Map<string, number>();
    bus.bind<{ n: number }>(
      topic,
      (m: Message<{ n: number }>) => {
        const a = (attempts.get(m.id) ?? 0) + 1;
        attempts.set(m.id, a);
        if (m.body.n % 3 === 0 && a === 1) throw new Error('transient failure');
        const key = m.headers['polybus-idempotency-key']!;
        effects.set(key, (effects.get(key) ?? 0) + 1);
      },
      {
        group: unique('g'),
        guarantee: 'exactly-once',
        idempotency: memoryIdempotencyStore(),
        retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50 },
      },
    );
    await bus.start();
    const total = 300;
    const entries = Array.from({ length: total }, (_, n) => ({
      topic,
      body: { n },
      key: `k${n % 16}`,
      idempotencyKey: `ik-${n}`,
    }));
    // each entry followed at once by its second publish: the two meet on one partition, in flight together
    await bus.publishBatch(entries.flatMap((e) => [e, { ...e, body: { n: e.body.n } }]));
    await waitFor(
      () => effects.size === total && bus.stats()[0]!.counters.duplicates >= total,
      30_000,
      'every key once',
    );
    await bus.stop({ timeoutMs: 5_000 });
    expect([...effects].filter(([, n]) => n > 1)).toEqual([]);
    expect(effects.size).toBe(total);
    expect(logger.warnings.filter((r) => r.message.startsWith('stop timed out'))).toEqual([]);
  }, 90_000);
});
