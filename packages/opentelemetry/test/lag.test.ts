import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createBus, memoryTransport, silentLogger, type Bus } from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { instrumentBus } from '@polybus/opentelemetry';
import { unique } from './otel-harness';
import { points, scrape, ScrapeReader } from './scrape';

const brokers = [
  ['kafka', `kafka://${process.env.POLYBUS_KAFKA_BROKERS ?? '127.0.0.1:9092'}`],
  ['redis-streams', process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379'],
  ['aws_sqs', process.env.POLYBUS_SQS_URL ?? 'sqs://x:x@127.0.0.1:9324?region=us-east-1'],
  ['rabbitmq', process.env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'],
] as const;

async function lagPoints(reader: ScrapeReader) {
  // attribute keys sorted, so that points compare as JSON whatever order they were set in
  return points((await scrape(reader)).get('polybus.consumer.lag')).map((p) => [
    Object.fromEntries(Object.entries(p.attributes).sort(([a], [b]) => a.localeCompare(b))),
    p.value,
  ]);
}

/** Scrapes until the lag points are `expected`; the failure names the last scrape. */
async function lagBecomes(reader: ScrapeReader, expected: unknown, timeoutMs: number): Promise<void> {
  let last: unknown;
  try {
    await waitFor(async () => JSON.stringify((last = await lagPoints(reader))) === JSON.stringify(expected), {
      timeoutMs,
    });
  } catch (error) {
    throw new Error(`lag ${JSON.stringify(expected)} not reached; last scrape ${JSON.stringify(last)}`, {
      cause: error,
    });
  }
}

describe.each(brokers)('polybus.consumer.lag on %s', (system, url) => {
  let bus: Bus | undefined;
  afterEach(() => bus?.stop());

  it('is read from the broker at each scrape: the backlog while a handler holds, 0 once drained', async () => {
    const reader = new ScrapeReader();
    const topic = unique('lag');
    bus = instrumentBus(createBus({ url, logger: silentLogger }), {
      meterProvider: new MeterProvider({ readers: [reader] }),
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    bus.bind(
      topic,
      async () => {
        calls += 1;
        await held;
      },
      { group: 'lagging', concurrency: 1 },
    );
    await bus.start();
    for (let n = 0; n < 5; n += 1) await bus.publish(topic, { n });
    await waitFor(() => calls === 1, { timeoutMs: 30_000, description: 'first delivery' });

    const binding = {
      'messaging.consumer.group.name': 'lagging',
      'messaging.destination.name': topic,
      'messaging.system': system,
    };
    // RabbitMQ counts ready messages only: the one its consumer holds unacked is not in the queue.
    const waiting = system === 'rabbitmq' ? 4 : 5;
    await lagBecomes(reader, [[binding, waiting]], 30_000);
    release();
    await lagBecomes(reader, [[binding, 0]], 60_000);
  }, 120_000);
});

it('a transport without backlog reports no lag point (not 0)', async () => {
  const reader = new ScrapeReader();
  const topic = unique('lag');
  const bus = instrumentBus(
    createBus({ transport: memoryTransport({ namespace: topic }), logger: silentLogger }),
    {
      meterProvider: new MeterProvider({ readers: [reader] }),
    },
  );
  bus.bind(topic, async () => undefined, { group: 'g' });
  await bus.start();
  try {
    expect(await lagPoints(reader)).toEqual([]);
    expect(points((await scrape(reader)).get('polybus.consumer.in_flight'))).toHaveLength(1);
  } finally {
    await bus.stop();
  }
});
