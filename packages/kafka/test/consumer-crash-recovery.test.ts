import { type Delivery } from '@polybus/core/transport';
import { recordingLogger } from '@polybus/core/testing';
import { Kafka, logLevel, type ConsumerConfig } from 'kafkajs';
import { KafkaSubscription } from '../src/subscription';
import { resolveOptions } from '../src/options';
import { ProducerPool } from '../src/publisher';
import {
  binding,
  BROKERS,
  createTopic,
  FAST_CONSUMER,
  message,
  testTransport,
  unique,
  waitFor,
} from './helpers';

/** A kafkajs client whose consumers throw a TypeError from their first `eachBatch` calls. */
function faultyClient(failingBatches: number): Kafka {
  const kafka = new Kafka({ clientId: 'polybus-test-faulty', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer.bind(kafka);
  kafka.consumer = (config: ConsumerConfig) => {
    const c = consumer(config);
    const run = c.run.bind(c);
    c.run = (runConfig) =>
      run({
        ...runConfig,
        eachBatch: async (payload) => {
          if (failingBatches-- > 0) throw new TypeError('injected fault');
          await runConfig!.eachBatch!(payload);
        },
      });
    return c;
  };
  return kafka;
}

describe('kafka consumer crashes', () => {
  it('a consumer kafkajs stops for good (a non-retriable error) is started again and delivers everything', async () => {
    const topic = unique('crash');
    await createTopic(topic, 1);
    const logger = recordingLogger();
    const options = resolveOptions({
      brokers: BROKERS,
      clientId: 'polybus-test',
      logger,
      consumer: FAST_CONSUMER,
    });
    const kafka = faultyClient(1);
    const admin = kafka.admin();
    await admin.connect();
    const producers = new ProducerPool(kafka, options);
    await producers.send(
      [0, 1, 2, 3, 4].map((n) => message(topic, { n })),
      'at-least-once',
    );
    const seen = new Set<string>();
    const sub = new KafkaSubscription(
      { kafka, admin, producers, options, logger },
      binding(topic),
      async (d: Delivery) => {
        seen.add(d.message.id);
        await d.ack();
      },
    );
    try {
      await sub.start();
      await waitFor(() => seen.size === 5, 30_000, 'all five records after the restart');
      const crash = logger.warnings.find((w) => w.message === 'kafka consumer crashed');
      expect(crash?.fields).toMatchObject({ topic, restart: 'in 1000 ms' });
      expect(String(crash?.fields?.cause)).toContain('injected fault');
    } finally {
      await sub.close();
      await sub.shutdown();
      await producers.close();
      await admin.disconnect();
    }
  }, 45_000);

  it('two bindings of one group on two topics keep consuming through rebalances, without a crash', async () => {
    const [a, b, c] = [unique('grp-a'), unique('grp-b'), unique('grp-c')];
    await Promise.all([createTopic(a), createTopic(b), createTopic(c)]);
    const group = unique('g');
    const logger = recordingLogger();
    const t = testTransport({ logger });
    const seen = new Set<string>();
    const handler = async (d: Delivery) => {
      seen.add(d.message.id);
      await d.ack();
    };
    const subs = [
      await t.subscribe(binding(a, { group }), handler),
      await t.subscribe(binding(b, { group }), handler),
    ];
    const sent: string[] = [];
    try {
      // Each member that joins and leaves makes the group rebalance twice: every member rejoins.
      for (let round = 0; round < 4; round++) {
        const batch = [message(a, { round }), message(b, { round })];
        await t.publish(batch, { guarantee: 'at-least-once' });
        sent.push(...batch.map((m) => m.id));
        const visitor = await t.subscribe(binding(c, { group }), handler);
        await visitor.close();
      }
      await waitFor(() => sent.every((id) => seen.has(id)), 30_000, 'every record of both topics');
      expect(logger.warnings.filter((w) => /crash/i.test(w.message))).toEqual([]);
    } finally {
      await Promise.all(subs.map((s) => s.close()));
      await t.close();
    }
  }, 90_000);
});
