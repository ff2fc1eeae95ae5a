import { randomUUID } from 'node:crypto';
import {
  createBus,
  memoryIdempotencyStore,
  silentLogger,
  transportFromUrl,
  type Bus,
  type Message,
} from '@polybus/core';
import { bridge, type Bridge } from '@polybus/core/bridge';
import { waitFor } from '@polybus/core/testing';
import { brokerCases, type BrokerCase } from './brokers';

// ElasticMQ ignores credentials but the AWS SDK insists on finding some.
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';

const cases = new Map(brokerCases().map((c) => [c.name, c]));
// The move docs/migration.md walks through first, then the same move to the other brokers.
const PAIRS: Array<[string, string]> = [
  ['rabbitmq', 'kafka'],
  ['rabbitmq', 'redis-streams'],
  ['rabbitmq', 'sqs'],
  ['redis-streams', 'rabbitmq'],
  ['sqs', 'redis-streams'],
];

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
});

describe('bridge between real brokers: producers on the old one, consumers on the new one', () => {
  for (const [fromName, toName] of PAIRS) {
    const from = cases.get(fromName) as BrokerCase;
    const to = cases.get(toName) as BrokerCase;
    const skip = from.skip ? `${fromName} ${from.skip}` : to.skip ? `${toName} ${to.skip}` : undefined;
    if (skip !== undefined) {
      it.skip(`${fromName} → ${toName}: ${skip}`, () => undefined);
      continue;
    }
    it(`${fromName} → ${toName}: every message arrives once with its id, key and headers`, async () => {
      const topic = `bridge-e2e-${randomUUID().slice(0, 8)}.orders`;
      const applied = new Map<string, { count: number; message: Message<{ i: number }> }>();
      const consumer: Bus = createBus({ url: to.url, logger: silentLogger });
      consumer.bind<{ i: number }>(
        topic,
        (message) => {
          const seen = applied.get(message.id);
          applied.set(message.id, { count: (seen?.count ?? 0) + 1, message });
        },
        { group: 'billing', guarantee: 'exactly-once', idempotency: memoryIdempotencyStore() },
      );
      await consumer.start();
      stops.push(() => consumer.stop());

      const forwarder: Bridge = await bridge({
        from: transportFromUrl(from.url),
        to: transportFromUrl(to.url),
        topics: [topic],
        group: 'bridge',
        logger: silentLogger,
      });
      stops.push(() => forwarder.stop());

      const producer: Bus = createBus({ url: from.url, logger: silentLogger });
      stops.push(() => producer.stop());
      const published = new Map<string, number>();
      for (let i = 0; i < 40; i++) {
        const receipt = await producer.publish(
          topic,
          { i },
          { key: `order-${i % 5}`, headers: { 'x-origin': 'legacy' } },
        );
        published.set(receipt.id, i);
      }

      await waitFor(() => applied.size >= published.size, {
        timeoutMs: 90_000,
        description: `${published.size} messages on ${toName}`,
      });
      const wrong = [...applied.values()].filter(({ count, message }) => {
        const i = published.get(message.id);
        return (
          count !== 1 ||
          i === undefined ||
          message.body.i !== i ||
          message.key !== `order-${i % 5}` ||
          message.headers['x-origin'] !== 'legacy'
        );
      });
      expect(wrong).toEqual([]);
      expect([...applied.keys()].sort()).toEqual([...published.keys()].sort());
      // Counted after the old broker's ack, so it may trail the consumer by a moment.
      await waitFor(() => forwarder.stats.forwarded >= published.size, {
        description: 'the bridge to count its forwards',
      });
    }, 150_000);
  }
});
