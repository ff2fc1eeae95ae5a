// Consuming as users call it, next to the raw client's idiomatic fast path, same broker, same run.
//   pnpm bench                        (publish, then consume; BENCH_ONLY=consume for this one only)
//   BENCH_BROKERS=kafka,redis BENCH_ONLY=consume pnpm bench
// Env: BENCH_MESSAGES (Kafka 100000, Redis 50000, RabbitMQ 20000; SQS: BENCH_SQS_MESSAGES, 5000),
// BENCH_ROUNDS (3; medians), BENCH_WARMUP (1 round, not counted).
// Each round fills a fresh topic (queue, stream) with N messages of ~120 bytes of JSON, off the
// clock and in this process, then one column consumes them all in a worker process of its own
// (isolate.ts says why). The clock and the worker's CPU meter run from the first message seen to
// the N-th: connecting, joining a group and declaring queues are not what is compared.
// Columns:
//   raw            the raw client's fast path on messages the raw client wrote (the body only):
//                  kafkajs `eachBatch` + resolveOffset + commitOffsetsIfNecessary per batch;
//                  XREADGROUP COUNT 500 + one XACK per batch; amqplib prefetch 500 + `ack` per
//                  message; ReceiveMessage of 10 from 10 concurrent pollers + DeleteMessageBatch per
//                  receive. Each message's JSON is parsed; no handler is called.
//   raw same-wire  the same loop on messages `bus.publishBatch` wrote, decoding what each adapter's
//                  wire.ts reads into the message a Polybus handler gets (id, timestamp, headers with
//                  `polybus-id` and `content-type`, the parsed body) and handing it to a function;
//                  SQS receives with Polybus's receive parameters (all message attributes,
//                  ApproximateReceiveCount, SentTimestamp, MessageGroupId). The wire's cost, without
//                  the SDK's work.
//   Polybus        `createBus({ url })` + `bus.bind(topic, async handler, { group, concurrency: 500 })`
//                  with the at-least-once defaults, `bus.start()`, on messages `bus.publishBatch`
//                  wrote (id, timestamp, headers, body), until the handler has seen N.
// Raw runs before and after Polybus in every round, each in its own worker; both are printed.
// Results also go to bench-results/consume.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect as amqpConnect, type ChannelModel } from 'amqplib';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createBus, silentLogger, type Bus } from '@polybus/core';
import { queueNameFor } from '@polybus/sqs';
import {
  body,
  DEFAULT_CONTENT_TYPE,
  loadAverage,
  messagesFor,
  name,
  selectedBrokers,
  URLS,
  type BrokerName,
} from './common';
import { isWorker, serve, startWorker, type Worker } from './isolate';
import { median, meter, type Measured } from './measure';

let N = messagesFor('kafka'); // per broker: set by benchBroker, and in a worker by each task
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1);
const CONCURRENCY = 500; // Polybus's concurrency; the raw batch / prefetch size
const KAFKA_PARTITIONS = 3;
const FILL_WINDOW = 1000;
const SQS_POLLERS = 10; // what Polybus runs for concurrency 500: ceil(500 / 10), at most 10
const GROUP = 'bench';

const kafka = new Kafka({ clientId: 'bench-raw', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
const sqsConfig = {
  region: 'us-east-1',
  endpoint: 'http://127.0.0.1:9324',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
};
const rabbitUrl = URLS.rabbitmq;

/**
 * `start` starts the clock (the first call only): a raw consumer calls it as the first reply
 * arrives, before decoding it; Polybus's handler on its first message. `done` resolves once `seen`
 * has counted N, with the clock read at that moment.
 */
function counter(): { start(): void; seen(k?: number): void; done: Promise<Measured> } {
  let seen = 0;
  let clock: ReturnType<typeof meter> | undefined;
  let finish!: (m: Measured) => void;
  const done = new Promise<Measured>((resolve) => (finish = resolve));
  return {
    start() {
      clock ??= meter(N);
    },
    seen(k = 1) {
      clock ??= meter(N);
      const before = seen;
      seen += k;
      if (before < N && seen >= N) finish(clock.read());
    },
    done,
  };
}

// ---------------------------------------------------------------- raw consumers (in workers)

/** What a Polybus handler gets of a message, as the raw same-wire consumers decode it. */
interface Decoded {
  readonly id: string;
  readonly key?: string;
  readonly timestamp: number;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}
/** The raw same-wire consumers' "handler": keeps the last message, so no decoding is optimised away. */
let lastDecoded: Decoded | undefined;
const hand = (message: Decoded): void => void (lastDecoded = message);

/** Both headers Polybus's handler sees on a message published with none of its own. */
const defaultHeaders = (id: string): Record<string, string> => ({
  'polybus-id': id,
  'content-type': DEFAULT_CONTENT_TYPE,
});

async function rawKafka(topic: string, sameWire: boolean): Promise<Measured> {
  const consumer = kafka.consumer({ groupId: name('raw-g') });
  const count = counter();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: KAFKA_PARTITIONS,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat, isRunning, isStale }) => {
      if (batch.isEmpty()) return;
      count.start();
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        if (sameWire) {
          // packages/kafka/src/wire.ts: the id in `polybus-id`, JSON when there is no content-type.
          const id = (message.headers!['polybus-id'] as Buffer).toString();
          hand({
            id,
            key: message.key?.toString(),
            timestamp: Number(message.timestamp),
            headers: defaultHeaders(id),
            body: JSON.parse(message.value!.toString()),
          });
        } else JSON.parse(message.value!.toString());
        resolveOffset(message.offset);
        count.seen();
      }
      await commitOffsetsIfNecessary();
      await heartbeat();
    },
  });
  const measured = await count.done;
  await consumer.disconnect();
  return measured;
}

let redisOfWorker: Redis | undefined;
async function rawRedis(stream: string, sameWire: boolean): Promise<Measured> {
  const redis = (redisOfWorker ??= new Redis(URLS.redis));
  await redis.xgroup('CREATE', stream, GROUP, '0', 'MKSTREAM');
  const count = counter();
  let consumed = 0;
  while (consumed < N) {
    const reply = (await redis.xreadgroup(
      'GROUP',
      GROUP,
      'raw',
      'COUNT',
      CONCURRENCY,
      'BLOCK',
      1000,
      'STREAMS',
      stream,
      '>',
    )) as Array<[string, Array<[string, string[]]>]> | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (entries.length === 0) continue;
    count.start();
    const ids: string[] = [];
    for (const [id, fields] of entries) {
      if (sameWire) handRedisEntry(fields);
      else for (let f = 0; f < fields.length; f += 2) if (fields[f] === 'body') JSON.parse(fields[f + 1]!);
      ids.push(id);
    }
    await redis.xack(stream, GROUP, ...ids);
    consumed += entries.length;
    count.seen(entries.length);
  }
  return count.done;
}

/** packages/redis-streams/src/wire.ts: `id <id> [key <key>] timestamp <ms> headers <json> body <json>`. */
function handRedisEntry(fields: string[]): void {
  let id = '';
  let key: string | undefined;
  let timestamp = 0;
  let headers: Record<string, string> = {};
  let parsed: unknown;
  for (let f = 0; f < fields.length; f += 2) {
    const value = fields[f + 1]!;
    switch (fields[f]) {
      case 'id':
        id = value;
        break;
      case 'key':
        key = value;
        break;
      case 'timestamp':
        timestamp = Number(value);
        break;
      case 'headers':
        headers = JSON.parse(value) as Record<string, string>;
        break;
      case 'body':
        parsed = JSON.parse(value);
    }
  }
  headers['polybus-id'] = id; // the id travels once, in `id`
  hand({ id, key, timestamp, headers, body: parsed });
}

let rabbitOfWorker: Promise<ChannelModel> | undefined;
async function rawRabbit(queue: string, sameWire: boolean): Promise<Measured> {
  const connection = await (rabbitOfWorker ??= amqpConnect(rabbitUrl));
  const ch = await connection.createChannel();
  await ch.prefetch(CONCURRENCY);
  const count = counter();
  const { consumerTag } = await ch.consume(queue, (msg) => {
    if (!msg) return;
    count.start();
    if (sameWire) {
      // packages/rabbitmq/src/wire.ts: id and content type as properties, ms in `polybus-timestamp`.
      const p = msg.properties;
      const id = String(p.messageId);
      const headers: Record<string, string> = { 'polybus-id': id, 'content-type': String(p.contentType) };
      hand({
        id,
        timestamp: Number(p.headers?.['polybus-timestamp']),
        headers,
        body: JSON.parse(msg.content.toString()),
      });
    } else JSON.parse(msg.content.toString());
    ch.ack(msg);
    count.seen();
  });
  const measured = await count.done;
  await ch.cancel(consumerTag);
  await ch.close();
  return measured;
}

let sqsOfWorker: SQSClient | undefined;
async function rawSqs(queueUrl: string, sameWire: boolean): Promise<Measured> {
  const client = (sqsOfWorker ??= new SQSClient(sqsConfig));
  const count = counter();
  let received = 0;
  const deletes: Array<Promise<unknown>> = [];
  await Promise.all(
    Array.from({ length: SQS_POLLERS }, async () => {
      while (received < N) {
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand(
            sameWire
              ? {
                  QueueUrl: queueUrl,
                  MaxNumberOfMessages: 10,
                  WaitTimeSeconds: 1,
                  MessageAttributeNames: ['All'],
                  MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp', 'MessageGroupId'],
                }
              : { QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 },
          ),
        );
        if (Messages.length === 0) continue;
        count.start();
        if (sameWire)
          for (const m of Messages) handSqsMessage(m.Body!, m.MessageAttributes!.polybus!.StringValue!);
        else for (const m of Messages) JSON.parse(m.Body!);
        deletes.push(
          client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          ),
        );
        received += Messages.length;
        count.seen(Messages.length);
      }
    }),
  );
  await Promise.all(deletes);
  return count.done;
}

/** packages/sqs/src/wire.ts: the body as it is, the `polybus` attribute's `{ id, timestamp, key?, headers }`. */
function handSqsMessage(text: string, attribute: string): void {
  const envelope = JSON.parse(attribute) as {
    id: string;
    timestamp: number;
    key?: string;
    headers: Record<string, string>;
  };
  envelope.headers['polybus-id'] = envelope.id;
  hand({
    id: envelope.id,
    key: envelope.key,
    timestamp: envelope.timestamp,
    headers: envelope.headers,
    body: JSON.parse(text),
  });
}

// ---------------------------------------------------------------- Polybus consumer (in a worker)

async function polybusConsume(broker: BrokerName, topic: string): Promise<Measured> {
  const bus = createBus({ url: URLS[broker], logger: silentLogger });
  const count = counter();
  bus.bind(topic, async () => count.seen(), { group: GROUP, concurrency: CONCURRENCY });
  await bus.start();
  const measured = await count.done;
  await bus.stop();
  return measured;
}

interface Task {
  broker: BrokerName;
  /** What filler.raw() or filler.polybus() returned. */
  target: string;
  /** Messages to consume (the parent's N for this broker). */
  n: number;
  /** Raw same-wire: target is a topic Polybus filled. */
  sameWire?: boolean;
}

const tasks = {
  raw: async ({ broker, target, n, sameWire = false }: Task): Promise<Measured> => {
    N = n;
    switch (broker) {
      case 'kafka':
        return rawKafka(target, sameWire);
      case 'redis':
        return rawRedis(target, sameWire);
      case 'rabbitmq':
        return rawRabbit(sameWire ? `${target}.${GROUP}` : target, sameWire); // the group's queue
      case 'sqs': {
        if (!sameWire) return rawSqs(target, false);
        const client = (sqsOfWorker ??= new SQSClient(sqsConfig));
        const QueueName = queueNameFor(target).name;
        const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName }));
        return rawSqs(QueueUrl!, true);
      }
    }
  },
  polybus: ({ broker, target, n }: Task) => ((N = n), polybusConsume(broker, target)),
};

// ---------------------------------------------------------------- filling, in the parent

/** Fills topics before the timing, and removes them after. */
interface Filler {
  /** Makes a topic with N raw messages; returns what the raw consumer reads (topic, stream, queue, URL). */
  raw(): Promise<string>;
  /** Makes a topic with N messages `bus.publishBatch` wrote, its group's queue declared first. */
  polybus(): Promise<string>;
  cleanup(): Promise<void>;
}

async function windows(send: (from: number, to: number) => Promise<unknown>): Promise<void> {
  for (let from = 0; from < N; from += FILL_WINDOW) await send(from, Math.min(N, from + FILL_WINDOW));
}

const publishBatch = (bus: Bus, topic: string) =>
  windows((from, to) => {
    const entries = [];
    for (let i = from; i < to; i++) entries.push({ topic, body: body(i) });
    return bus.publishBatch(entries);
  });

/** Declares what a consumer of `topic` in GROUP needs (RabbitMQ's group queue, SQS's queues). */
async function declareGroup(broker: BrokerName, topic: string): Promise<void> {
  const setup = createBus({ url: URLS[broker], logger: silentLogger });
  setup.bind(topic, async () => undefined, { group: GROUP });
  await setup.start();
  await setup.stop();
}

function kafkaFiller(publisher: Bus): Filler {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const admin = kafka.admin();
  const topics: string[] = [];
  let connected: Promise<void> | undefined;
  const create = async (topic: string) => {
    await (connected ??= Promise.all([producer.connect(), admin.connect()]).then(() => undefined));
    await admin.createTopics({
      topics: [{ topic, numPartitions: KAFKA_PARTITIONS }],
      waitForLeaders: true,
    });
    topics.push(topic, `${topic}.dlq`);
  };
  return {
    async raw() {
      const topic = name('consume-kafka-raw');
      await create(topic);
      await windows((from, to) => {
        const messages = [];
        for (let i = from; i < to; i++) messages.push({ value: JSON.stringify(body(i)) });
        return producer.send({ topic, messages, acks: -1 });
      });
      return topic;
    },
    async polybus() {
      const topic = name('consume-kafka-pb');
      await create(topic);
      await publishBatch(publisher, topic);
      return topic;
    },
    async cleanup() {
      const existing = new Set(await admin.listTopics());
      await admin.deleteTopics({ topics: topics.filter((t) => existing.has(t)) }).catch(() => undefined);
      await Promise.all([producer.disconnect(), admin.disconnect()]);
    },
  };
}

function redisFiller(publisher: Bus): Filler {
  const redis = new Redis(URLS.redis);
  const streams: string[] = [];
  return {
    async raw() {
      const stream = name('consume-redis-raw');
      streams.push(stream);
      await windows((from, to) => {
        const pipeline = redis.pipeline();
        for (let i = from; i < to; i++) pipeline.xadd(stream, '*', 'body', JSON.stringify(body(i)));
        return pipeline.exec();
      });
      return stream;
    },
    async polybus() {
      const stream = name('consume-redis-pb');
      streams.push(stream, `${stream}.dlq`);
      await publishBatch(publisher, stream);
      return stream;
    },
    async cleanup() {
      if (streams.length > 0) await redis.del(...streams);
      redis.disconnect();
    },
  };
}

function rabbitFiller(publisher: Bus): Filler {
  const connection = amqpConnect(rabbitUrl);
  const raws: string[] = [];
  const polybuses: string[] = [];
  return {
    async raw() {
      const topic = name('consume-rabbit-raw');
      const ch = await (await connection).createConfirmChannel();
      await ch.assertExchange(topic, 'topic', { durable: true });
      await ch.assertQueue(`${topic}.raw`, { durable: true });
      await ch.bindQueue(`${topic}.raw`, topic, '#');
      raws.push(topic);
      await windows((from, to) => {
        for (let i = from; i < to; i++)
          ch.publish(topic, '', Buffer.from(JSON.stringify(body(i))), { persistent: true });
        return ch.waitForConfirms();
      });
      await ch.close();
      return `${topic}.raw`;
    },
    async polybus() {
      const topic = name('consume-rabbit-pb');
      polybuses.push(topic);
      await declareGroup('rabbitmq', topic); // the queue `${topic}.${GROUP}` must exist before the fill
      await publishBatch(publisher, topic);
      return topic;
    },
    async cleanup() {
      const ch = await (await connection).createChannel();
      for (const topic of raws) (await ch.deleteQueue(`${topic}.raw`), await ch.deleteExchange(topic));
      for (const topic of polybuses) {
        await ch.deleteQueue(`${topic}.${GROUP}`);
        await ch.deleteQueue(`polybus.retained.${topic}.dlq`);
        await ch.deleteExchange(topic);
        await ch.deleteExchange(`${topic}.dlq`);
      }
      await (await connection).close();
    },
  };
}

function sqsFiller(publisher: Bus): Filler {
  const client = new SQSClient(sqsConfig);
  const queues: string[] = [];
  return {
    async raw() {
      const topic = name('consume-sqs-raw');
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: queueNameFor(topic).name }));
      queues.push(topic);
      await windows((from, to) => {
        const sends = [];
        for (let i = from; i < to; i += 10) {
          const Entries = [];
          for (let j = i; j < Math.min(to, i + 10); j++)
            Entries.push({ Id: String(j), MessageBody: JSON.stringify(body(j)) });
          sends.push(client.send(new SendMessageBatchCommand({ QueueUrl, Entries })));
        }
        return Promise.all(sends);
      });
      return QueueUrl!;
    },
    async polybus() {
      const topic = name('consume-sqs-pb');
      queues.push(topic, `${topic}.dlq`);
      await declareGroup('sqs', topic); // the queue and its dead-letter queue, as the consumer makes them
      await publishBatch(publisher, topic);
      return topic;
    },
    async cleanup() {
      for (const topic of queues) {
        const QueueName = queueNameFor(topic).name;
        await client
          .send(new GetQueueUrlCommand({ QueueName }))
          .then(({ QueueUrl }) => client.send(new DeleteQueueCommand({ QueueUrl })))
          .catch(() => undefined);
      }
      client.destroy();
    },
  };
}

// ---------------------------------------------------------------- orchestration

type Column = 'raw before' | 'raw same-wire' | 'Polybus' | 'raw after';
const COLUMNS: Column[] = ['raw before', 'raw same-wire', 'Polybus', 'raw after'];
interface Figures {
  perSecond: number;
  cpuUs: number;
  /** Every round's msg/s, warm-up rounds first. */
  rounds: number[];
}

async function benchBroker(broker: BrokerName): Promise<Record<Column, Figures>> {
  N = messagesFor(broker);
  const publisher = createBus({ url: URLS[broker], logger: silentLogger });
  const makers = { kafka: kafkaFiller, redis: redisFiller, rabbitmq: rabbitFiller, sqs: sqsFiller };
  const filler = makers[broker](publisher);
  const workers = Object.fromEntries(COLUMNS.map((c) => [c, startWorker(__filename)])) as Record<
    Column,
    Worker
  >;
  const counted = Object.fromEntries(COLUMNS.map((c) => [c, []])) as unknown as Record<Column, Measured[]>;
  const trail = Object.fromEntries(COLUMNS.map((c) => [c, []])) as unknown as Record<Column, number[]>;
  try {
    for (let round = -WARMUP; round < ROUNDS; round++) {
      for (const column of COLUMNS) {
        const sameWire = column === 'raw same-wire';
        const polybusWire = sameWire || column === 'Polybus';
        const target = polybusWire ? await filler.polybus() : await filler.raw();
        const task: Task = { broker, target, n: N, sameWire };
        const measured = await workers[column].run<Measured>(column === 'Polybus' ? 'polybus' : 'raw', task);
        trail[column].push(Math.round(N / (measured.ms / 1000)));
        if (round >= 0) counted[column].push(measured);
      }
    }
  } finally {
    Object.values(workers).forEach((w) => w.close());
    await publisher.stop();
    await filler.cleanup();
  }
  const result = {} as Record<Column, Figures>;
  for (const column of COLUMNS)
    result[column] = {
      perSecond: Math.round(median(counted[column].map((m) => N / (m.ms / 1000)))),
      cpuUs: Math.round(median(counted[column].map((m) => m.cpu)) * 10) / 10,
      rounds: trail[column],
    };
  return result;
}

async function main(): Promise<void> {
  const brokers = selectedBrokers();
  const results: Record<string, unknown> = {};
  const loads: string[] = [`start ${loadAverage()}`];
  const save = () => {
    mkdirSync('bench-results', { recursive: true });
    writeFileSync(
      'bench-results/consume.json',
      JSON.stringify(
        {
          date: new Date().toISOString(),
          messages: Object.fromEntries(brokers.map((b) => [b, messagesFor(b)])),
          rounds: ROUNDS,
          warmup: WARMUP,
          concurrency: CONCURRENCY,
          loadAverage: loads,
          results,
        },
        null,
        2,
      ),
    );
  };
  console.log(
    `consume, ${brokers.map((b) => `${b} ${messagesFor(b)}`).join(', ')} messages pre-filled per column and round, median of ${ROUNDS} rounds after ${WARMUP} warm-up, ` +
      `one worker process per column (msg/s | client CPU µs/msg); load ${loadAverage()}`,
  );
  console.log(
    [
      'broker',
      ...COLUMNS,
      'Polybus / raw',
      'Polybus / same-wire',
      'CPU Polybus / raw',
      'CPU Polybus / same-wire',
    ].join(' | '),
  );
  for (const broker of brokers) {
    const r = await benchBroker(broker);
    results[broker] = r;
    loads.push(`after ${broker} ${loadAverage()}`);
    save(); // after each broker, so the brokers done are kept when a later one fails
    const raw = (r['raw before'].perSecond + r['raw after'].perSecond) / 2;
    const rawCpu = (r['raw before'].cpuUs + r['raw after'].cpuUs) / 2;
    console.log(
      [
        broker,
        ...COLUMNS.map((c) => `${r[c].perSecond} | ${r[c].cpuUs}`),
        (r.Polybus.perSecond / raw).toFixed(2),
        (r.Polybus.perSecond / r['raw same-wire'].perSecond).toFixed(2),
        (r.Polybus.cpuUs / rawCpu).toFixed(2),
        (r.Polybus.cpuUs / r['raw same-wire'].cpuUs).toFixed(2),
      ].join(' | '),
    );
  }
  console.log('\nmsg/s per round, warm-up rounds first:');
  for (const [broker, r] of Object.entries(results) as Array<[string, Record<Column, Figures>]>)
    for (const column of COLUMNS)
      console.log(`  ${broker.padEnd(9)} ${column.padEnd(13)} ${r[column].rounds.join(' ')}`);
  console.log(`load average (1, 5, 15 min): ${loads.join('; ')}`);
}

if (isWorker()) serve(tasks);
else
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
