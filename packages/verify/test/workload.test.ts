import { runWorkload, type VerifyResult } from '@polybus/verify';

// End to end against real brokers: child processes on the public API, a seeded consumer SIGKILL.
// The memory transport cannot take part (its broker lives inside one process).
const REDIS = process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const AMQP = process.env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

function expectFaultsBit(result: VerifyResult): void {
  expect(result.settled).toBe(true);
  expect(result.counts.consumerKills).toBe(1);
  expect(result.counts.acknowledged).toBe(result.options.messages);
  // Seeded permanent failures reached the dead letter topic: the DLQ path was exercised.
  expect(result.counts.deadLettered).toBeGreaterThan(0);
  expect(result.badLedgerLines).toBe(0);
}

describe('runWorkload on real brokers (ci profile, one consumer kill)', () => {
  jest.setTimeout(120_000);

  it('loses nothing at-least-once on Redis Streams', async () => {
    // claimIdleMs: the killed consumer's pending entries are claimed after 2 s instead of 30 s.
    const result = await runWorkload(
      { url: `${REDIS}?claimIdleMs=2000`, guarantee: 'at-least-once', faults: ['kill-consumer'], seed: 21 },
      'ci',
    );
    expectFaultsBit(result);
    expect(result.lost).toEqual([]);
    expect(result.unexpected).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('loses nothing at-least-once on RabbitMQ', async () => {
    const result = await runWorkload(
      { url: AMQP, guarantee: 'at-least-once', faults: ['kill-consumer'], seed: 21 },
      'ci',
    );
    expectFaultsBit(result);
    expect(result.lost).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('applies each message once, in key order, exactly-once on RabbitMQ with the Redis store', async () => {
    const result = await runWorkload(
      {
        url: AMQP,
        guarantee: 'exactly-once',
        store: 'redis',
        storeUrl: REDIS,
        ordering: 'per-key',
        faults: ['kill-consumer'],
        seed: 21,
      },
      'ci',
    );
    expectFaultsBit(result);
    expect(result.counts.publishAttempts).toBeGreaterThan(result.counts.published); // duplicate publishes
    expect(result.rules.map((r) => [r.rule, r.holds])).toEqual([
      ['lost = 0', true],
      ['duplicated = 0', true],
      ['unexpected = 0', true],
      ['reordered = 0', true],
    ]);
  });
});
