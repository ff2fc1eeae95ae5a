import { createBus, PermanentError, silentLogger } from '@polybus/core';
import { runDeadLetterAccessSuite } from '@polybus/conformance';
import { kafkaTransport } from '../src';
import { BROKERS, FAST_CONSUMER, testTransport, unique, waitFor } from './helpers';

runDeadLetterAccessSuite({
  name: 'kafka',
  createTransport: () =>
    kafkaTransport({
      brokers: BROKERS,
      clientId: 'polybus-dead-letter-access',
      logger: silentLogger,
      consumer: FAST_CONSUMER,
    }),
});

describe('kafka dead letters: paging from another reader', () => {
  it("a ref this access did not hand out pages on from it, as the reader's own cursor would", async () => {
    const topic = unique('dla-rescan');
    const bus = createBus({ transport: testTransport(), logger: silentLogger });
    bus.bind(
      topic,
      async () => {
        throw new PermanentError('no');
      },
      { group: unique('g') },
    );
    const reader = testTransport();
    const other = testTransport();
    try {
      await bus.start();
      for (let n = 0; n < 7; n++) await bus.publish(topic, { n }, { key: `k-${n}` });
      await Promise.all([reader.connect(), other.connect()]);
      const mine = reader.deadLetters();
      await waitFor(
        async () =>
          (await mine.browse(`${topic}.dlq`, { limit: 10 }).catch(() => ({ letters: [] }))).letters.length ===
          7,
        30_000,
        '7 letters',
      );
      const first = await mine.browse(`${topic}.dlq`, { limit: 3 });
      const after = first.letters.at(-1)!.ref;
      const second = await mine.browse(`${topic}.dlq`, { limit: 3, after });
      const fromOther = await other.deadLetters().browse(`${topic}.dlq`, { limit: 3, after });
      expect(fromOther.letters.map((l) => l.ref)).toEqual(second.letters.map((l) => l.ref));
      expect(second.letters).toHaveLength(3);
    } finally {
      await bus.stop({ timeoutMs: 2_000 });
      await Promise.all([reader.close(), other.close()]);
    }
  });
});
