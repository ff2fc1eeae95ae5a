import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createBus, memoryTransport, silentLogger } from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { instrumentBus } from '@polybus/opentelemetry';
import { unique } from './otel-harness';
import { points, scrape, ScrapeReader } from './scrape';

it("the bus's counters and in-flight count are observed, and each attempt's duration is recorded", async () => {
  const reader = new ScrapeReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const topic = unique('metrics');
  const bus = instrumentBus(
    createBus({ transport: memoryTransport({ namespace: topic }), logger: silentLogger }),
    {
      meterProvider,
    },
  );
  let calls = 0;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  bus.bind(
    topic,
    async (message) => {
      calls += 1;
      if (calls === 1) throw new Error('once');
      if ((message.body as { n: number }).n === 2) await held;
    },
    { group: 'billing', retry: { initialDelayMs: 1, jitter: false } },
  );
  await bus.start();
  await bus.publish(topic, { n: 1 });
  await bus.publish(topic, { n: 2 });
  const binding = {
    'messaging.system': 'memory',
    'messaging.destination.name': topic,
    'messaging.consumer.group.name': 'billing',
  };
  const inFlight = async () =>
    points((await scrape(reader)).get('polybus.consumer.in_flight')).map((p) => [p.attributes, p.value]);
  await waitFor(() => bus.stats()[0]?.counters.processed === 1 && bus.stats()[0].inFlight === 1);
  expect(await inFlight()).toEqual([[binding, 1]]); // message 2's handler holds its slot
  release();
  await waitFor(() => bus.stats()[0].counters.processed === 2 && bus.stats()[0].inFlight === 0);

  const metrics = await scrape(reader);
  const byOutcome = Object.fromEntries(
    points(metrics.get('polybus.consumer.messages')).map((p) => [p.attributes['polybus.outcome'], p.value]),
  );
  expect(byOutcome).toMatchObject({
    received: 2,
    processed: 2,
    failed: 1,
    retried: 1,
    dead_lettered: 0,
    duplicates: 0,
  });
  expect(points(metrics.get('polybus.consumer.messages'))[0].attributes).toMatchObject(binding);
  expect(await inFlight()).toEqual([[binding, 0]]);

  const durations = points(metrics.get('messaging.process.duration')).map((p) => ({
    errorType: p.attributes['error.type'],
    count: (p.value as { count: number }).count,
  }));
  expect(durations).toEqual(
    expect.arrayContaining([
      { errorType: undefined, count: 2 },
      { errorType: 'Error', count: 1 },
    ]),
  );
  expect(durations).toHaveLength(2);
  expect(metrics.get('messaging.process.duration')?.descriptor.unit).toBe('s');

  await bus.stop();
  await meterProvider.shutdown();
});

it('metrics: false creates no instruments', async () => {
  const reader = new ScrapeReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const topic = unique('no-metrics');
  const bus = instrumentBus(
    createBus({ transport: memoryTransport({ namespace: topic }), logger: silentLogger }),
    {
      meterProvider,
      metrics: false,
    },
  );
  bus.bind(topic, () => {}, { group: 'g' });
  await bus.start();
  await bus.publish(topic, {});
  await waitFor(() => bus.stats()[0]?.counters.processed === 1);
  expect([...(await scrape(reader)).keys()]).toEqual([]);
  await bus.stop();
  await meterProvider.shutdown();
});

it('counts published messages (refused ones with error.type) and records end-to-end age once per message', async () => {
  const reader = new ScrapeReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const topic = unique('sent');
  const transport = memoryTransport({ namespace: topic });
  const bus = instrumentBus(createBus({ transport, logger: silentLogger, batching: false }), {
    meterProvider,
  });
  let calls = 0;
  bus.bind(
    topic,
    async () => {
      if (++calls === 1) throw new Error('once'); // a retry must not be a second age sample
    },
    { group: 'g', retry: { initialDelayMs: 1, jitter: false } },
  );
  await bus.start();
  await bus.publish(topic, { n: 1 });
  await bus.publishBatch([{ topic, body: { n: 2 } }]);
  transport.faults.publishFailureRate = 1;
  await expect(bus.publish(topic, { n: 3 })).rejects.toThrow();
  transport.faults.publishFailureRate = 0;
  await waitFor(() => bus.stats()[0]?.counters.processed === 2);

  const metrics = await scrape(reader);
  const sent = points(metrics.get('messaging.client.sent.messages')).map((p) => [
    p.attributes['error.type'],
    p.value,
  ]);
  expect(sent).toEqual(
    expect.arrayContaining([
      [undefined, 2],
      ['PublishError', 1],
    ]),
  );
  expect(sent).toHaveLength(2);
  const ages = points(metrics.get('polybus.consumer.message_age'));
  expect(ages.map((p) => (p.value as { count: number }).count)).toEqual([2]);
  expect(ages[0].attributes).toMatchObject({
    'messaging.destination.name': topic,
    'messaging.consumer.group.name': 'g',
  });
  expect((ages[0].value as { max: number }).max).toBeLessThan(60); // seconds, not milliseconds
  await bus.stop();
  await meterProvider.shutdown();
});
