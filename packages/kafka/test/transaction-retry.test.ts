import { Kafka, type KafkaJSProtocolError, type ProducerConfig, type Transaction } from 'kafkajs';
import { createBus, silentLogger, type Bus, type Message } from '@polybus/core';
import { recordingLogger } from '@polybus/core/testing';
import { caughtUp, createTopic, readAll, testTransport, unique, waitFor } from './helpers';

// Issue 20, item 2: a coordinator's CONCURRENT_TRANSACTIONS made the adapter rebuild its
// transactional producer each time. It is retried on the same producer; other errors still rebuild.

const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode(code: number): KafkaJSProtocolError;
};
const CONCURRENT_TRANSACTIONS = 51;

/** Faults to throw from the adapter's transactions, in place of the broker's answer. */
interface Faults {
  /** `sendOffsets` (AddOffsetsToTxn) refuses this many times with CONCURRENT_TRANSACTIONS. */
  concurrentOnSendOffsets: number;
  /** `commit` throws a plain (not retriable) error this many times, before EndTxn is sent. */
  brokenCommits: number;
}

/**
 * Counts the transactional producers made with `idPrefix` and makes their transactions throw
 * `faults`. A refused AddOffsetsToTxn changes nothing in kafkajs (its transaction stays open), so
 * throwing before the real call is what the broker's refusal does.
 */
function instrument(idPrefix: string, faults: Faults): { producers: () => number; thrown: () => number } {
  const original = Kafka.prototype.producer;
  let producers = 0;
  let thrown = 0;
  jest.spyOn(Kafka.prototype, 'producer').mockImplementation(function (this: Kafka, config?: ProducerConfig) {
    const producer = original.call(this, config);
    if (!config?.transactionalId?.startsWith(`${idPrefix}-`)) return producer;
    producers += 1;
    const begin = producer.transaction.bind(producer);
    producer.transaction = async (): Promise<Transaction> => {
      const tx = await begin();
      const { sendOffsets, commit } = tx;
      tx.sendOffsets = async (offsets) => {
        if (faults.concurrentOnSendOffsets > 0) {
          faults.concurrentOnSendOffsets -= 1;
          thrown += 1;
          throw createErrorFromCode(CONCURRENT_TRANSACTIONS);
        }
        return sendOffsets(offsets);
      };
      tx.commit = async () => {
        if (faults.brokenCommits > 0) {
          faults.brokenCommits -= 1;
          thrown += 1;
          throw new Error('injected commit failure');
        }
        return commit();
      };
      return tx;
    };
    return producer;
  });
  return { producers: () => producers, thrown: () => thrown };
}

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.allSettled(buses.splice(0).map((b) => b.stop({ timeoutMs: 5_000 })));
  jest.restoreAllMocks();
});

/** An exactly-once pipeline input → output (one partition each) whose handler counts its runs. */
async function pipeline(faults: Faults, total: number) {
  const input = unique('txr-in');
  const output = unique('txr-out');
  const group = unique('g');
  const idPrefix = unique('txr');
  await createTopic(input, 1);
  await createTopic(output, 1);
  const counters = instrument(idPrefix, faults);
  const logger = recordingLogger();
  const bus = createBus({
    transport: testTransport({ logger, transactions: { idPrefix } }),
    logger: silentLogger,
  });
  buses.push(bus);
  const runs = new Map<number, number>();
  bus.bind<{ n: number }>(
    input,
    async (m: Message<{ n: number }>, ctx) => {
      runs.set(m.body.n, (runs.get(m.body.n) ?? 0) + 1);
      await ctx.publish(output, { n: m.body.n });
    },
    { group, guarantee: 'exactly-once', retry: { maxAttempts: 5, initialDelayMs: 10, maxDelayMs: 50 } },
  );
  await bus.start();
  await bus.publishBatch(Array.from({ length: total }, (_, n) => ({ topic: input, body: { n } })));
  const records = await readAll(output, (r) => r.length >= total, { settleMs: 1_000 });
  const outputs = records
    .map((r) => (JSON.parse(r.value!.toString()) as { n: number }).n)
    .sort((a, b) => a - b);
  await waitFor(() => caughtUp(group, input), 30_000, 'the input committed');
  const rebuildWarnings = logger.warnings.filter((w) => w.message.includes('rebuilding the producer'));
  return { ...counters, runs, outputs, rebuildWarnings };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('kafka exactly-once: retriable transaction errors', () => {
  it('CONCURRENT_TRANSACTIONS from AddOffsetsToTxn twice: retried on the same producer, every output once', async () => {
    const total = 20;
    const run = await pipeline({ concurrentOnSendOffsets: 2, brokenCommits: 0 }, total);
    expect(run.thrown()).toBe(2);
    expect(run.producers()).toBe(1); // not rebuilt
    expect(run.rebuildWarnings).toEqual([]);
    expect(run.outputs).toEqual(range(total)); // read committed: each exactly once
    expect([...run.runs.values()].every((n) => n === 1)).toBe(true); // each input processed once
    expect(run.runs.size).toBe(total);
  }, 60_000);

  it('refused more times than the adapter retries: the deliveries fail, the core runs them again, outputs once', async () => {
    const run = await pipeline({ concurrentOnSendOffsets: 5, brokenCommits: 0 }, 1);
    expect(run.thrown()).toBe(5);
    expect(run.producers()).toBe(1);
    expect(run.rebuildWarnings).toEqual([]);
    expect(run.outputs).toEqual([0]);
    expect(run.runs.get(0)).toBe(2); // the failed transaction's delivery was handled again, not stranded
  }, 60_000);

  it('an error that is not retriable still rebuilds the producer, once, and outputs stay exactly once', async () => {
    const total = 5;
    const run = await pipeline({ concurrentOnSendOffsets: 0, brokenCommits: 1 }, total);
    expect(run.thrown()).toBe(1);
    expect(run.producers()).toBe(2);
    expect(run.rebuildWarnings).toHaveLength(1);
    expect(run.outputs).toEqual(range(total));
    expect([...run.runs.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);
});
