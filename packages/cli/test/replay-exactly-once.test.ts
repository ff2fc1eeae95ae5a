import { createBus, PermanentError, silentLogger, type Bus, type Transport } from '@polybus/core';
import type { DeadLetterAccess, DeadLetterBatch } from '@polybus/core/transport';
import { waitFor } from '@polybus/core/testing';
import { redisIdempotencyStore } from '@polybus/store-redis';
import { deadLetterOperations } from '../src';
import { BROKERS, lettersOn, REDIS_URL, unique } from './brokers';

const LETTERS = 1_000;
const RATE = 1_000; // per second

/**
 * A transport whose dead-letter batches never remove: a replay through it stands for one that
 * crashed after each publish was acknowledged and before the letter was removed.
 */
function crashingBeforeRemove(transport: Transport): Transport {
  const wrapped = Object.create(transport) as Transport;
  wrapped.deadLetters = (): DeadLetterAccess => {
    const real = transport.deadLetters!();
    return {
      browse: async (topic, options): Promise<DeadLetterBatch> => {
        const batch = await real.browse(topic, options);
        return {
          letters: batch.letters,
          removesEach: batch.removesEach,
          remove: async () => undefined,
          release: () => batch.release(),
        };
      },
    };
  };
  return wrapped;
}

// The acceptance: replaying 1,000 letters at a rate limit loses none and duplicates no
// effect under exactly-once, also when a replay died between publishing and removing (twice).
describe.each(BROKERS)('replay under exactly-once on $name', (broker) => {
  let bus: Bus | undefined;
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    await bus?.stop({ timeoutMs: 5_000 });
    for (const close of closers) await close().catch(() => undefined);
  });

  it(`${LETTERS} letters replayed at ${RATE}/s, after two replays that crashed before removing: each effect once`, async () => {
    const topic = unique('eo');
    const dlq = `${topic}.dlq`;
    const store = redisIdempotencyStore({
      redis: REDIS_URL,
      prefix: `${unique('eo-store')}:`,
      logger: silentLogger,
    });
    closers.push(() => store.close?.() ?? Promise.resolve());
    const effects = new Map<string, number>();
    bus = createBus({ transport: broker.createTransport(), logger: silentLogger });
    bus.bind<{ n: number }>(
      topic,
      async (m) => {
        // The first delivery fails for good; only a replay succeeds, and counts its effect.
        if (m.headers['polybus-replayed-from'] === undefined) throw new PermanentError(`refused ${m.body.n}`);
        effects.set(m.id, (effects.get(m.id) ?? 0) + 1);
      },
      { group: unique('eo-g'), guarantee: 'exactly-once', idempotency: store, concurrency: 32 },
    );
    await bus.start();
    const ids: string[] = [];
    for (let i = 0; i < LETTERS; i += 100) {
      const entries = Array.from({ length: 100 }, (_, j) => ({
        topic,
        body: { n: i + j },
        key: `k-${(i + j) % 7}`,
      }));
      ids.push(...(await bus.publishBatch(entries)).map((r) => r.id));
    }

    const ops = await deadLetterOperations(broker.url);
    closers.push(() => ops.close());
    const access = ops.transport.deadLetters!();
    expect((await lettersOn(access, dlq, LETTERS)).map((l) => l.message.id).sort()).toEqual([...ids].sort());

    const crashed = broker.createTransport();
    await crashed.connect();
    closers.push(() => crashed.close());
    const crashing = await deadLetterOperations(crashingBeforeRemove(crashed));
    const first = await crashing.replay(dlq, { limit: 300, ratePerSecond: 5 * RATE });
    expect(first).toMatchObject({ replayed: 300 });
    const second = await crashing.replay(dlq, { ratePerSecond: 5 * RATE });
    expect(second).toMatchObject({ replayed: LETTERS });
    expect((await lettersOn(access, dlq, LETTERS)).length).toBe(LETTERS); // nothing removed

    const started = Date.now();
    const last = await ops.replay(dlq, { ratePerSecond: RATE });
    const elapsed = Date.now() - started;
    expect(last).toMatchObject({
      matched: LETTERS,
      replayed: LETTERS,
      removed: LETTERS,
      kept: 0,
      truncated: [],
    });
    // Paced: 1,000 publishes spaced 1 ms apart take at least ~1 s.
    expect(elapsed).toBeGreaterThanOrEqual(((LETTERS - 1) * 1000) / RATE - 50);
    expect(await ops.replay(dlq)).toMatchObject({ matched: 0, replayed: 0 });

    // 300 + 1,000 + 1,000 deliveries of 1,000 ids: each processed once, the rest dropped as duplicates.
    const deliveries = 300 + 2 * LETTERS;
    await waitFor(
      () => {
        const c = bus!.stats()[0]!.counters;
        return c.processed + c.duplicates >= deliveries;
      },
      { timeoutMs: 60_000, intervalMs: 100, description: `${deliveries} replayed deliveries settled` },
    );
    await new Promise((r) => setTimeout(r, 500)); // room for a stray duplicate effect to show
    expect(effects.size).toBe(LETTERS);
    expect([...effects.keys()].sort()).toEqual([...ids].sort());
    expect([...effects.values()].filter((n) => n !== 1)).toEqual([]);
    const counters = bus.stats()[0]!.counters;
    expect(counters.duplicates).toBe(deliveries - LETTERS);
  }, 110_000);
});
