// Polybus on Kafka next to raw kafkajs, same broker, same run.
//   npx tsx --conditions=polybus-source packages/kafka/bench/bench.ts
// Env: POLYBUS_KAFKA_BROKERS (127.0.0.1:9092), BENCH_MESSAGES (20000), BENCH_ROUNDS (3; medians are printed),
// BENCH_ONLY (run only the scenarios whose label contains it, e.g. 'exactly-once').
import { randomBytes, randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { createBus, silentLogger } from '@polybus/core';
import { median, meter as meterOf, type Measured } from '../../../scripts/bench/measure';
import { kafkaTransport } from '../src';

const BROKERS = (process.env.POLYBUS_KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const meter = () => meterOf(N);
const perSecond = (m: Measured) => N / (m.ms / 1000);
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

async function rawPublish(): Promise<Measured> {
  const topic = name('pub-raw');
  await topics(topic);
  const producer = kafka.producer();
  await producer.connect();
  const clock = meter();
  await fill(producer, topic);
  const measured = clock.read();
  await producer.disconnect();
  return measured;
}

/**
 * A second raw publish baseline, kept beside the one above: the raw producer writes the record
 * Polybus writes (a message id header and the publish timestamp beside content-type), as a user's
 * raw code that wants ids for deduplication or dead-letter tracing would.
 */
async function rawPublishSame(): Promise<Measured> {
  const topic = name('pub-raw-same');
  await topics(topic);
  const producer = kafka.producer();
  await producer.connect();
  const clock = meter();
  for (let i = 0; i < N; i += BATCH) {
    const messages = Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => ({
      key: `k${(i + j) % 64}`,
      value: JSON.stringify(body(i + j)),
      headers: { 'polybus-id': randomUUID(), 'content-type': 'application/json' },
      timestamp: String(Date.now()),
    }));
    await producer.send({ topic, messages, acks: -1 });
  }
  const measured = clock.read();
  await producer.disconnect();
  return measured;
}

async function polybusPublish(): Promise<Measured> {
  const topic = name('pub-pb');
  await topics(topic);
  const bus = createBus({ transport: transport(), logger: silentLogger });
  await bus.publish(topic, body(-1)); // connect the producer outside the measurement, as raw does
  const clock = meter();
  for (let i = 0; i < N; i += BATCH) {
    await bus.publishBatch(
      Array.from({ length: Math.min(BATCH, N - i) }, (_, j) => ({
        topic,
        body: body(i + j),
        key: `k${(i + j) % 64}`,
      })),
    );
  }
  const measured = clock.read();
  await bus.stop();
  return measured;
}

/** Rate from the first delivery to the N-th: group join time is not counted. */
async function rawConsume(topic: string): Promise<Measured> {
  const consumer = kafka.consumer({ groupId: name('raw-g'), ...consumerTuning });
  let count = 0;
  let clock: ReturnType<typeof meter> | undefined;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      clock ??= meter();
      for (const m of batch.messages) {
        JSON.parse(m.value!.toString());
        count += 1;
        resolveOffset(m.offset);
      }
      await heartbeat();
    },
  });
  await until(() => count >= N);
  const measured = clock!.read();
  await consumer.disconnect();
  return measured;
}

/**
 * A second raw baseline, kept beside the one above: what a user's raw at-least-once consumer does
 * with an async handler that gets what a Polybus handler gets (id, key, headers as text, body).
 * kafkajs' eachMessage awaits the handler for each record and resolves the offset only after it
 * (commits follow), which is the guarantee Polybus gives. The loop above never calls a handler, so
 * it is a floor for kafkajs' own decode cost rather than a like-for-like job.
 */
async function rawConsumeHandler(topic: string): Promise<Measured> {
  const consumer = kafka.consumer({ groupId: name('raw-h'), ...consumerTuning });
  let count = 0;
  let clock: ReturnType<typeof meter> | undefined;
  const handler = async (_message: {
    id: string;
    key: string | undefined;
    headers: Record<string, string>;
    body: unknown;
  }): Promise<void> => {
    count += 1;
  };
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    autoCommit: true,
    partitionsConsumedConcurrently: PARTITIONS,
    eachMessage: async ({ message }) => {
      clock ??= meter();
      // What the handler gets from Polybus: id, key, headers as text, decoded body.
      const headers: Record<string, string> = {};
      for (const [header, value] of Object.entries(message.headers ?? {}))
        if (value !== undefined) headers[header] = value.toString();
      await handler({
        id: headers['polybus-id'] ?? message.offset,
        key: message.key?.toString(),
        headers,
        body: JSON.parse(message.value!.toString()),
      });
    },
  });
  await until(() => count >= N);
  const measured = clock!.read();
  await consumer.disconnect();
  return measured;
}

async function polybusConsume(topic: string): Promise<Measured> {
  const bus = createBus({ transport: transport(), logger: silentLogger });
  let count = 0;
  let clock: ReturnType<typeof meter> | undefined;
  bus.bind(
    topic,
    async () => {
      clock ??= meter();
      count += 1;
    },
    { group: name('pb-g'), guarantee: 'at-least-once', concurrency: 1_000 },
  );
  await bus.start();
  await until(() => count >= N);
  const measured = clock!.read();
  await bus.stop();
  return measured;
}

async function rawTransform(input: string): Promise<Measured> {
  const output = name('ctp-raw-out');
  await topics(output);
  const groupId = name('raw-ctp');
  const consumer = kafka.consumer({ groupId, ...consumerTuning });
  const producers = new Map<number, Producer>();
  let count = 0;
  let clock: ReturnType<typeof meter> | undefined;
  await consumer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: PARTITIONS,
    eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
      clock ??= meter();
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
  const measured = clock!.read();
  await consumer.disconnect();
  await Promise.all([...producers.values()].map((p) => p.disconnect()));
  return measured;
}

async function polybusTransform(input: string): Promise<Measured> {
  const output = name('ctp-pb-out');
  await topics(output);
  const bus = createBus({ transport: transport(), logger: silentLogger });
  let count = 0;
  let clock: ReturnType<typeof meter> | undefined;
  bus.bind<{ n: number }>(
    input,
    async (m, ctx) => {
      clock ??= meter();
      await ctx.publish(output, { n: m.body.n }, { key: m.key });
      count += 1;
    },
    { group: name('pb-ctp'), guarantee: 'exactly-once', concurrency: 4_000 },
  );
  await bus.start();
  await until(() => count >= N);
  const measured = clock!.read();
  await bus.stop();
  return measured;
}

async function main(): Promise<void> {
  const input = name('in');
  await topics(input);
  const producer = kafka.producer();
  await producer.connect();
  await fill(producer, input);
  await producer.disconnect();

  const all: Array<[string, () => Promise<Measured>, () => Promise<Measured>]> = [
    ['publish at-least-once (acks -1, batches of 500)', rawPublish, polybusPublish],
    [
      'publish at-least-once, raw writes the same record (id header, timestamp)',
      rawPublishSame,
      polybusPublish,
    ],
    [
      'consume at-least-once, raw = handler-less eachBatch loop',
      () => rawConsume(input),
      () => polybusConsume(input),
    ],
    [
      'consume at-least-once, raw = eachMessage + async handler given id, key, headers, body',
      () => rawConsumeHandler(input),
      () => polybusConsume(input),
    ],
    ['consume-transform-produce exactly-once', () => rawTransform(input), () => polybusTransform(input)],
  ];
  const scenarios = all.filter(([label]) => label.includes(process.env.BENCH_ONLY ?? ''));
  // Rounds alternate who goes first, so drift in a shared machine's load falls on both sides.
  const results = scenarios.map(() => ({ raw: [] as Measured[], pb: [] as Measured[] }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, [, raw, pb]] of scenarios.entries()) {
      if (round % 2 === 0) {
        results[i].raw.push(await raw());
        results[i].pb.push(await pb());
      } else {
        results[i].pb.push(await pb());
        results[i].raw.push(await raw());
      }
    }
  }
  console.log(
    `\nKafka ${BROKERS.join(',')}, ${N} messages of ~${JSON.stringify(body(0)).length} B, ${PARTITIONS} partitions, median of ${ROUNDS} rounds\n`,
  );
  console.log(
    '| scenario | raw kafkajs msg/s | Polybus msg/s | ratio | CPU µs/msg raw / Polybus | CPU ratio |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [i, [label]] of scenarios.entries()) {
    const { raw, pb } = results[i];
    const rate = (m: Measured[]) => median(m.map(perSecond));
    const cpu = (m: Measured[]) => median(m.map((x) => x.cpu));
    console.log(
      `| ${label} | ${Math.round(rate(raw))} | ${Math.round(rate(pb))} | ${median(raw.map((r, k) => r.ms / pb[k].ms)).toFixed(2)} ` +
        `| ${cpu(raw).toFixed(1)} / ${cpu(pb).toFixed(1)} | ${median(raw.map((r, k) => r.cpu / pb[k].cpu)).toFixed(2)} |`,
    );
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
