// Polybus on Kafka next to raw kafkajs, same broker, same run.
//   npx tsx --conditions=polybus-source packages/kafka/bench/bench.ts
// Env: POLYBUS_KAFKA_BROKERS (127.0.0.1:9092), BENCH_MESSAGES (20000).
import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { createBus, silentLogger } from '@polybus/core';
import { kafkaTransport } from '../src';

const BROKERS = (process.env.POLYBUS_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const BATCH = 500;
const PARTITIONS = 3;
const body = (n: number) => ({ n, customer: 'c-123', amount: 4200, note: 'x'.repeat(40) });
const consumerTuning = { sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 100 };
const kafka = new Kafka({ clientId: 'bench-raw', brokers: BROKERS, logLevel: logLevel.NOTHING });
const name = (p: string) => `bench-${p}-${randomBytes(3).toString('hex')}`;

function transport() {
  return kafkaTransport({
    brokers: BROKERS,
    clientId: 'bench',
    logger: silentLogger,
    consumer: consumerTuning,
    topics: { partitions: PARTITIONS },
  });
}

async function topics(...names: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: names.map((topic) => ({ topic, numPartitions: PARTITIONS })),
    waitForLeaders: true,
  });
  await admin.disconnect();
}

/** Fills a topic with N JSON records through raw kafkajs. */
async function fill(producer: Producer, topic: string): Promise<void> {
  for (let i = 0; i < N; i += BATCH) {
    const messages = Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => ({
      key: `k${(i + j) % 64}`,
      value: JSON.stringify(body(i + j)),
      headers: { 'content-type': 'application/json' },
    }));
    await producer.send({ topic, messages, acks: -1 });
  }
}

function until(done: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const timer = setInterval(() => done() && (clearInterval(timer), resolve()), 5);
  });
}

async function rawPublish(): Promise<number> {
  const topic = name('pub-raw');
  await topics(topic);
  const producer = kafka.producer();
  await producer.connect();
  const start = Date.now();
  await fill(producer, topic);
  const rate = N / ((Date.now() - start) / 1000);
  await producer.disconnect();
  return rate;
}

/**
 * A second raw publish baseline, kept beside the one above: the raw producer writes the record
 * Polybus writes (a message id header and the publish timestamp beside content-type), as a user's
 * raw code that wants ids for deduplication or dead-letter tracing would.
 */
async function rawPublishSame(): Promise<number> {
  const topic = name('pub-raw-same');
  await topics(topic);
  const producer = kafka.producer();
  await producer.connect();
  const start = Date.now();
  for (let i = 0; i < N; i += BATCH) {
    const messages = Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => ({
      key: `k${(i + j) % 64}`,
      value: JSON.stringify(body(i + j)),
      headers: { 'polybus-id': randomUUID(), 'content-type': 'application/json' },
      timestamp: String(Date.now()),
    }));
    await producer.send({ topic, messages, acks: -1 });
  }
  const rate = N / ((Date.now() - start) / 1000);
  await producer.disconnect();
  return rate;
}

async function polybusPublish(): Promise<number> {
  const topic = name('pub-pb');
  await topics(topic);
  const bus = createBus({ transport: transport(), logger: silentLogger });
  await bus.publish(topic, body(-1)); // connect the producer outside the measurement, as raw does
  const start = Date.now();
  for (let i = 0; i < N; i += BATCH) {
    await bus.publishBatch(
      Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => ({
        topic,
        body: body(i + j),
        key: `k${(i + j) % 64}`,
      })),
    );
  }
  const rate = N / ((Date.now() - start) / 1000);
  await bus.stop();
  return rate;
}

/** Rate from the first delivery to the N-th: group join time is not counted. */
async function rawConsume(topic: string): Promise<number> {
  const consumer = kafka.consumer({ groupId: name('raw-g'), ...consumerTuning });
  let count = 0;
  let first = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      first ||= Date.now();
      for (const m of batch.messages) {
        JSON.parse(m.value!.toString());
        count += 1;
        resolveOffset(m.offset);
      }
      await heartbeat();
    },
  });
  await until(() => count >= N);
  const rate = N / ((Date.now() - first) / 1000);
  await consumer.disconnect();
  return rate;
}

/**
 * A second raw baseline, kept beside the one above: what a user's raw at-least-once consumer does
 * with an async handler. kafkajs' eachMessage awaits the handler for each record and resolves the
 * offset only after it (commits follow), which is the guarantee Polybus gives. The loop above never
 * calls a handler, so it is a floor for kafkajs' own decode cost rather than a like-for-like job.
 */
async function rawConsumeHandler(topic: string): Promise<number> {
  const consumer = kafka.consumer({ groupId: name('raw-h'), ...consumerTuning });
  let count = 0;
  let first = 0;
  const handler = async (_body: unknown): Promise<void> => {
    count += 1;
  };
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    partitionsConsumedConcurrently: PARTITIONS,
    eachMessage: async ({ message }) => {
      first ||= Date.now();
      await handler(JSON.parse(message.value!.toString()));
    },
  });
  await until(() => count >= N);
  const rate = N / ((Date.now() - first) / 1000);
  await consumer.disconnect();
  return rate;
}

async function polybusConsume(topic: string): Promise<number> {
  const bus = createBus({ transport: transport(), logger: silentLogger });
  let count = 0;
  let first = 0;
  bus.bind(
    topic,
    async () => {
      first ||= Date.now();
      count += 1;
    },
    { group: name('pb-g'), guarantee: 'at-least-once', concurrency: 1_000 },
  );
  await bus.start();
  await until(() => count >= N);
  const rate = N / ((Date.now() - first) / 1000);
  await bus.stop();
  return rate;
}

async function rawTransform(input: string): Promise<number> {
  const output = name('ctp-raw-out');
  await topics(output);
  const groupId = name('raw-ctp');
  const consumer = kafka.consumer({ groupId, ...consumerTuning });
  const producers = new Map<number, Producer>();
  let count = 0;
  let first = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      first ||= Date.now();
      let producer = producers.get(batch.partition);
      if (!producer) {
        producer = kafka.producer({
          transactionalId: `${groupId}-${batch.partition}`,
          idempotent: true,
          maxInFlightRequests: 1,
        });
        await producer.connect();
        producers.set(batch.partition, producer);
      }
      const tx = await producer.transaction();
      const messages = batch.messages.map((m) => ({
        key: m.key,
        value: JSON.stringify({ n: (JSON.parse(m.value!.toString()) as { n: number }).n }),
      }));
      await tx.send({ topic: output, messages });
      await tx.sendOffsets({
        consumerGroupId: groupId,
        topics: [
          {
            topic: input,
            partitions: [{ partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }],
          },
        ],
      });
      await tx.commit();
      for (const m of batch.messages) resolveOffset(m.offset);
      count += batch.messages.length;
      await heartbeat();
    },
  });
  await until(() => count >= N);
  const rate = N / ((Date.now() - first) / 1000);
  await consumer.disconnect();
  await Promise.all([...producers.values()].map((p) => p.disconnect()));
  return rate;
}

async function polybusTransform(input: string): Promise<number> {
  const output = name('ctp-pb-out');
  await topics(output);
  const bus = createBus({ transport: transport(), logger: silentLogger });
  let count = 0;
  let first = 0;
  bus.bind<{ n: number }>(
    input,
    async (m, ctx) => {
      first ||= Date.now();
      await ctx.publish(output, { n: m.body.n }, { key: m.key });
      count += 1;
    },
    { group: name('pb-ctp'), guarantee: 'exactly-once', concurrency: 4_000 },
  );
  await bus.start();
  await until(() => count >= N);
  const rate = N / ((Date.now() - first) / 1000);
  await bus.stop();
  return rate;
}

async function main(): Promise<void> {
  const input = name('in');
  await topics(input);
  const producer = kafka.producer();
  await producer.connect();
  await fill(producer, input);
  await producer.disconnect();

  const rows: [string, number, number][] = [];
  rows.push(['publish at-least-once (acks -1, batches of 500)', await rawPublish(), await polybusPublish()]);
  rows.push([
    'publish at-least-once, raw writes the same record (id header, timestamp)',
    await rawPublishSame(),
    await polybusPublish(),
  ]);
  rows.push(['consume at-least-once (manual commits)', await rawConsume(input), await polybusConsume(input)]);
  rows.push([
    'consume at-least-once, raw = eachMessage + async handler',
    await rawConsumeHandler(input),
    await polybusConsume(input),
  ]);
  rows.push([
    'consume-transform-produce exactly-once',
    await rawTransform(input),
    await polybusTransform(input),
  ]);

  console.log(
    `\nKafka ${BROKERS.join(',')}, ${N} messages of ~${JSON.stringify(body(0)).length} B, ${PARTITIONS} partitions\n`,
  );
  console.log('| scenario | raw kafkajs msg/s | Polybus msg/s | ratio |');
  console.log('|---|---:|---:|---:|');
  for (const [label, raw, pb] of rows)
    console.log(`| ${label} | ${Math.round(raw)} | ${Math.round(pb)} | ${(pb / raw).toFixed(2)} |`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
