import { runWorkload, type VerifyResult } from '@polybus/verify';

// The ci profile end to end on real brokers, every fault at once: a consumer SIGKILL, a cut of
// every connection through the fault proxy, a stall of every byte, duplicate publishes, permanent
// failures and poison messages. At-least-once: nothing acknowledged may be lost.
const REDIS = process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const AMQP = process.env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const SQS = process.env.POLYBUS_SQS_URL ?? 'sqs://x:x@127.0.0.1:9324?region=us-east-1';
const KAFKA = process.env.POLYBUS_KAFKA_URL ?? 'kafka://127.0.0.1:9092';

const TIMEOUT_MS = 240_000;

function expectSurvivedEveryFault(result: VerifyResult): void {
  expect({ settled: result.settled, badLedgerLines: result.badLedgerLines }).toEqual({
    settled: true,
    badLedgerLines: 0,
  });
  expect(result.faults.map((f) => f.fault).sort()).toEqual(['cut', 'kill-consumer', 'stall']);
  // Every fault ended and work resumed after it (a consumer stuck after the cut would show here
  // only if the others could not take its work; its health at the end shows it either way).
  for (const f of result.faults) {
    expect({ fault: f.fault, ended: f.endedAt !== undefined, resumed: f.recoveryMs !== undefined }).toEqual({
      fault: f.fault,
      ended: true,
      resumed: true,
    });
  }
  expect(result.unhealthy).toEqual([]);
  // Publishers retried every rejection until it was acknowledged.
  expect(result.counts.acknowledged).toBe(result.options.messages);
  expect(result.counts.publishAttempts).toBeGreaterThan(result.counts.published); // duplicate publishes
  // Permanent failures and poison messages reached the dead-letter topic.
  expect(result.counts.deadLettered).toBeGreaterThan(0);
  expect(result.lost).toEqual([]);
  expect(result.unexpected).toEqual([]);
  expect(result.rules.map((r) => [r.rule, r.holds])).toEqual([
    ['lost = 0', true],
    ['unexpected = 0', true],
  ]);
  expect(result.ok).toBe(true);
}

describe('runWorkload --profile ci (kill, cut, stall, duplicates, poison) at-least-once', () => {
  it(
    'loses nothing on Redis Streams',
    async () => {
      // claimIdleMs: the killed consumer's pending entries are claimed after 2 s instead of 30 s.
      const result = await runWorkload({ url: `${REDIS}?claimIdleMs=2000`, seed: 7 }, 'ci');
      expectSurvivedEveryFault(result);
    },
    TIMEOUT_MS,
  );

  it(
    'loses nothing on RabbitMQ',
    async () => {
      expectSurvivedEveryFault(await runWorkload({ url: AMQP, seed: 7 }, 'ci'));
    },
    TIMEOUT_MS,
  );

  it(
    'loses nothing on SQS (ElasticMQ)',
    async () => {
      expectSurvivedEveryFault(await runWorkload({ url: SQS, seed: 7 }, 'ci'));
    },
    TIMEOUT_MS,
  );

  it(
    'loses nothing on Kafka',
    async () => {
      // The kill takes the group's session timeout (30 s) to hand the partitions over: ~1.5 min.
      expectSurvivedEveryFault(await runWorkload({ url: KAFKA, seed: 7 }, 'ci'));
    },
    TIMEOUT_MS,
  );
});
