/**
 * The guarantee proofs on the memory transport: thousands of messages under injected publish
 * failures, handler failures, lost acks, duplicate deliveries and a consumer crash.
 *   at-least-once → lost = 0
 *   exactly-once (idempotency store) → lost = 0 and duplicated effects = 0
 *   at-most-once → duplicated = 0
 */
import {
  createBus,
  memoryIdempotencyStore,
  memoryTransport,
  PublishError,
  silentLogger,
  type BindOptions,
  type Bus,
  type Guarantee,
  type MemoryTransport,
} from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { assertTally, Tally } from '@polybus/conformance';

const TOTAL = 3_000;
const FAULTS = { ackDropRate: 0.02, duplicateDeliveryRate: 0.02 };

interface Run {
  tally: Tally;
  deliveriesSeen: number;
  duplicatesTurnedAway: number;
}

async function runUnderFaults(guarantee: Guarantee, options: Partial<BindOptions> = {}): Promise<Run> {
  const namespace = `guarantees-${guarantee}-${Math.random()}`;
  const tally = new Tally();
  let calls = 0;
  let seed = 1;
  const transports: MemoryTransport[] = [];
  const buses: Bus[] = [];
  const consumer = async (): Promise<void> => {
    const transport = memoryTransport({ namespace, visibilityTimeoutMs: 100, faults: FAULTS, seed: seed++ });
    transports.push(transport);
    const bus = createBus({ transport, logger: silentLogger });
    buses.push(bus);
    bus.bind(
      'payments',
      (m) => {
        calls++;
        if (guarantee === 'at-most-once') tally.process(m.id); // every call is an effect
        if (calls % 10 === 3) throw new Error('injected handler failure');
        if (guarantee !== 'at-most-once') tally.process(m.id); // only successful runs apply the effect
      },
      {
        group: 'ledger',
        guarantee,
        concurrency: 16,
        deadLetter: guarantee === 'at-most-once' ? false : undefined,
        ...(guarantee === 'at-most-once'
          ? {}
          : { retry: { maxAttempts: 12, initialDelayMs: 1, maxDelayMs: 20 } }),
        ...options,
      },
    );
    await bus.start();
  };
  await consumer();
  await consumer();

  const publisherTransport = memoryTransport({ namespace, faults: { publishFailureRate: 0.05 }, seed: 99 });
  const publisher = createBus({ transport: publisherTransport, logger: silentLogger });
  buses.push(publisher);
  for (let i = 0; i < TOTAL; i++) {
    for (;;) {
      try {
        const r = await publisher.publish('payments', { n: i }, { idempotencyKey: `pay-${i}` });
        tally.publish(r.id);
        tally.acknowledge(r.id);
        break;
      } catch (error) {
        if (!PublishError.is(error)) throw error; // injected: the publisher retries
      }
    }
    if (i === Math.floor(TOTAL / 3)) {
      transports[0].crash(); // a consumer process dies with deliveries in hand
      await consumer(); // and its replacement joins
    }
  }
  const settled = () =>
    guarantee === 'at-most-once' ? calls >= tally.published.size * 0.9 : tally.complete();
  await waitFor(settled, { timeoutMs: 60_000 }).catch(() => undefined);
  const health = await Promise.all(buses.map((b) => b.health()));
  await Promise.all(buses.map((b) => b.stop({ timeoutMs: 2_000 })));
  return {
    tally,
    deliveriesSeen: calls,
    duplicatesTurnedAway: health
      .flatMap((h) => h.bindings)
      .reduce((sum, b) => sum + b.counters.duplicates, 0),
  };
}

describe('guarantees under injected faults (memory transport)', () => {
  it(`at-least-once: ${TOTAL} messages, lost = 0`, async () => {
    const run = await runUnderFaults('at-least-once');
    assertTally(run.tally, { lost: 0, unexpected: 0 }, TOTAL);
    // The faults really happened: without idempotency some messages were processed twice.
    expect(run.tally.summary().duplicated).toBeGreaterThan(0);
  }, 120_000);

  it(`exactly-once with an idempotency store: ${TOTAL} messages, lost = 0 and duplicated effects = 0`, async () => {
    const store = memoryIdempotencyStore();
    const run = await runUnderFaults('exactly-once', { idempotency: store });
    assertTally(run.tally, { lost: 0, duplicated: 0, unexpected: 0 }, TOTAL);
    expect(run.duplicatesTurnedAway).toBeGreaterThan(0);
  }, 120_000);

  it(`at-most-once: ${TOTAL} messages, duplicated = 0`, async () => {
    const run = await runUnderFaults('at-most-once');
    assertTally(run.tally, { duplicated: 0, unexpected: 0 });
    expect(run.deliveriesSeen).toBeGreaterThan(TOTAL * 0.5);
  }, 120_000);
});
