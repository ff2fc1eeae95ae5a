// Publishing as users call it, next to the raw client's idiomatic fast path, same broker, same run.
//   pnpm bench                      (all brokers, publish then consume.ts; start them with `pnpm brokers:up`)
//   BENCH_BROKERS=kafka,redis BENCH_ONLY=publish pnpm bench
// Env: BENCH_MESSAGES (Kafka 100000, Redis 50000, RabbitMQ 20000; SQS: BENCH_SQS_MESSAGES, 5000),
// BENCH_WINDOW (1000 concurrent calls), BENCH_ROUNDS (3; medians, after one warm-up round).
// Columns, each over the same N messages of ~120 bytes of JSON:
//   raw            the raw client's fast path: one batched send per window (kafkajs `send`, pipelined
//                  XADD, confirm channel + waitForConfirms, SendMessageBatch of 10 in parallel), the
//                  body only
//   raw same-wire  the same sends writing exactly what Polybus writes: a UUIDv7 id, the timestamp
//                  and the default headers as each adapter's wire.ts puts them (Kafka: `polybus-id`
//                  header + record timestamp; Redis: id, timestamp, headers, body fields; RabbitMQ:
//                  message-id, content-type, timestamp properties + `polybus-timestamp` header; SQS:
//                  the `polybus` attribute's JSON envelope). The wire's cost, without the SDK's work.
//   publish        N × `bus.publish`, a window of concurrent calls at a time (`Promise.all`), defaults
//   publish, unbatched   the same with `batching: false` (each call its own broker round trip)
//   publishBatch   one `bus.publishBatch` per window
// Raw runs before and after the Polybus columns; both raw figures are printed. CPU is this process's
// (client + Polybus) per message. Results also go to bench-results/publish.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect as amqpConnect } from 'amqplib';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createBus, silentLogger, uuidv7, type Bus } from '@polybus/core';
import { body, DEFAULT_CONTENT_TYPE, loadAverage, messagesFor, name, type BrokerName } from './common';
import { median, meter, type Measured } from './measure';

let N = messagesFor('kafka'); // set per broker by benchBroker
const WINDOW = Number(process.env.BENCH_WINDOW ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ONLY = (process.env.BENCH_BROKERS ?? 'kafka,redis,rabbitmq,sqs').split(',');

interface Broker {
  readonly name: string;
  readonly url: string;
  /** Makes the topic exist (and routable) before the timing. */
  prepare(topic: string): Promise<void>;
  /** Sends N messages the raw client's fastest idiomatic way, a window at a time. */
  raw(topic: string): Promise<void>;
  /** The same sends, each message written as Polybus writes it (id, timestamp, default headers). */
  rawSameWire(topic: string): Promise<void>;
  /** Drops a round's topic once measured, where keeping it costs the broker (ElasticMQ keeps all in heap). */
  release?(topic: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** The headers of a message published with none of its own, without `polybus-id` (the id carries it). */
const DEFAULT_HEADERS = { 'content-type': DEFAULT_CONTENT_TYPE };
const DEFAULT_HEADERS_JSON = JSON.stringify(DEFAULT_HEADERS);

async function windows(send: (from: number, to: number) => Promise<unknown>): Promise<void> {
  for (let from = 0; from < N; from += WINDOW) await send(from, Math.min(N, from + WINDOW));
}

function kafkaBroker(): Broker {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  let connected = false;
  return {
    name: 'kafka',
    url: 'kafka://127.0.0.1:9092',
    async prepare(topic) {
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
      await admin.disconnect();
      if (!connected) (await producer.connect(), (connected = true));
    },
    raw: (topic) =>
      windows((from, to) => {
        const messages = [];
        for (let i = from; i < to; i++) messages.push({ value: JSON.stringify(body(i)) });
        return producer.send({ topic, messages, acks: -1 });
      }),
    // packages/kafka/src/wire.ts: the id as the one header (no content-type: JSON is the default).
    rawSameWire: (topic) =>
      windows((from, to) => {
        const messages = [];
        for (let i = from; i < to; i++) {
          const timestamp = Date.now();
          messages.push({
            key: null,
            value: JSON.stringify(body(i)),
            headers: { 'polybus-id': uuidv7(timestamp) },
            timestamp: String(timestamp),
          });
        }
        return producer.send({ topic, messages, acks: -1 });
      }),
    cleanup: () => producer.disconnect(),
  };
}

function redisBroker(): Broker {
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: false });
  const streams: string[] = [];
  return {
    name: 'redis',
    url: 'redis://127.0.0.1:6379',
    prepare: async (topic) => void streams.push(topic),
    raw: (topic) =>
      windows((from, to) => {
        const pipeline = redis.pipeline();
        for (let i = from; i < to; i++) pipeline.xadd(topic, '*', 'body', JSON.stringify(body(i)));
        return pipeline.exec();
      }),
    // packages/redis-streams/src/wire.ts: `id <id> timestamp <ms> headers <json> body <json>`.
    rawSameWire: (topic) =>
      windows((from, to) => {
        const pipeline = redis.pipeline();
        for (let i = from; i < to; i++) {
          const timestamp = Date.now();
          pipeline.xadd(
            topic,
            '*',
            'id',
            uuidv7(timestamp),
            'timestamp',
            String(timestamp),
            'headers',
            DEFAULT_HEADERS_JSON,
            'body',
            JSON.stringify(body(i)),
          );
        }
        return pipeline.exec();
      }),
    async cleanup() {
      if (streams.length > 0) await redis.del(...streams);
      redis.disconnect();
    },
  };
}

function rabbitBroker(): Broker {
  const url = 'amqp://guest:guest@127.0.0.1:5672';
  const connection = amqpConnect(url);
  const declared: string[] = [];
  return {
    name: 'rabbitmq',
    url,
    async prepare(topic) {
      // Polybus's topology for a topic with one group, so a publish is routable (mandatory).
      const ch = await (await connection).createChannel();
      await ch.assertExchange(topic, 'topic', { durable: true });
      await ch.assertQueue(`${topic}.bench`, { durable: true });
      await ch.bindQueue(`${topic}.bench`, topic, '#');
      await ch.close();
      declared.push(topic);
    },
    async raw(topic) {
      const ch = await (await connection).createConfirmChannel();
      await windows((from, to) => {
        for (let i = from; i < to; i++)
          ch.publish(topic, '', Buffer.from(JSON.stringify(body(i))), { persistent: true, mandatory: true });
        return ch.waitForConfirms();
      });
      await ch.close();
    },
    // packages/rabbitmq/src/wire.ts: id, content type and seconds as properties, ms as a header.
    async rawSameWire(topic) {
      const ch = await (await connection).createConfirmChannel();
      await windows((from, to) => {
        for (let i = from; i < to; i++) {
          const timestamp = Date.now();
          ch.publish(topic, '', Buffer.from(JSON.stringify(body(i))), {
            messageId: uuidv7(timestamp),
            contentType: DEFAULT_CONTENT_TYPE,
            timestamp: Math.floor(timestamp / 1000),
            persistent: true,
            mandatory: true,
            headers: { 'polybus-timestamp': String(timestamp) },
          });
        }
        return ch.waitForConfirms();
      });
      await ch.close();
    },
    async cleanup() {
      const ch = await (await connection).createChannel();
      for (const topic of declared) (await ch.deleteQueue(`${topic}.bench`), await ch.deleteExchange(topic));
      await (await connection).close();
    },
  };
}

function sqsBroker(): Broker {
  const endpoint = 'http://127.0.0.1:9324';
  const client = new SQSClient({
    region: 'us-east-1',
    endpoint,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const queues: string[] = [];
  const urls = new Map<string, string>();
  return {
    name: 'sqs',
    url: 'sqs://x:x@127.0.0.1:9324?region=us-east-1',
    async prepare(topic) {
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: topic }));
      urls.set(topic, QueueUrl!);
      queues.push(QueueUrl!);
    },
    raw: (topic) =>
      windows((from, to) => {
        const sends = [];
        for (let i = from; i < to; i += 10) {
          const Entries = [];
          for (let j = i; j < Math.min(to, i + 10); j++)
            Entries.push({ Id: String(j), MessageBody: JSON.stringify(body(j)) });
          sends.push(client.send(new SendMessageBatchCommand({ QueueUrl: urls.get(topic), Entries })));
        }
        return Promise.all(sends);
      }),
    // packages/sqs/src/wire.ts: the body as it is, one `polybus` attribute with the JSON envelope.
    rawSameWire: (topic) =>
      windows((from, to) => {
        const sends = [];
        for (let i = from; i < to; i += 10) {
          const Entries = [];
          for (let j = i; j < Math.min(to, i + 10); j++) {
            const timestamp = Date.now();
            const envelope = { id: uuidv7(timestamp), timestamp, headers: DEFAULT_HEADERS };
            Entries.push({
              Id: String(j),
              MessageBody: JSON.stringify(body(j)),
              MessageAttributes: {
                polybus: { DataType: 'String', StringValue: JSON.stringify(envelope) },
              },
            });
          }
          sends.push(client.send(new SendMessageBatchCommand({ QueueUrl: urls.get(topic), Entries })));
        }
        return Promise.all(sends);
      }),
    async release(topic) {
      const QueueUrl = urls.get(topic)!;
      await client.send(new DeleteQueueCommand({ QueueUrl }));
      queues.splice(queues.indexOf(QueueUrl), 1);
    },
    async cleanup() {
      for (const QueueUrl of queues) await client.send(new DeleteQueueCommand({ QueueUrl }));
      client.destroy();
    },
  };
}

async function timed(run: () => Promise<void>): Promise<Measured> {
  const m = meter(N);
  await run();
  return m.read();
}

async function polybus(bus: Bus, topic: string, mode: 'publish' | 'publishBatch'): Promise<void> {
  await windows((from, to) => {
    if (mode === 'publishBatch') {
      const entries = [];
      for (let i = from; i < to; i++) entries.push({ topic, body: body(i) });
      return bus.publishBatch(entries);
    }
    const calls = [];
    for (let i = from; i < to; i++) calls.push(bus.publish(topic, body(i)));
    return Promise.all(calls);
  });
}

type Column =
  'raw before' | 'raw same-wire' | 'publish' | 'publish, unbatched' | 'publishBatch' | 'raw after';
const COLUMNS: Column[] = [
  'raw before',
  'raw same-wire',
  'publish',
  'publish, unbatched',
  'publishBatch',
  'raw after',
];

async function benchBroker(broker: Broker): Promise<Record<Column, { perSecond: number; cpuUs: number }>> {
  N = messagesFor(broker.name as BrokerName);
  const batched = createBus({ url: broker.url, logger: silentLogger });
  const unbatched = createBus({ url: broker.url, logger: silentLogger, batching: false });
  const rounds: Record<Column, Measured[]> = Object.fromEntries(COLUMNS.map((c) => [c, []])) as never;
  for (let round = 0; round <= ROUNDS; round++) {
    const topic = name(broker.name);
    await broker.prepare(topic);
    await batched.publish(topic, body(-1)); // connect outside the timing
    await unbatched.publish(topic, body(-1));
    const runs: Record<Column, () => Promise<void>> = {
      'raw before': () => broker.raw(topic),
      'raw same-wire': () => broker.rawSameWire(topic),
      publish: () => polybus(batched, topic, 'publish'),
      'publish, unbatched': () => polybus(unbatched, topic, 'publish'),
      publishBatch: () => polybus(batched, topic, 'publishBatch'),
      'raw after': () => broker.raw(topic),
    };
    for (const column of COLUMNS) {
      const measured = await timed(runs[column]);
      if (round > 0) rounds[column].push(measured); // round 0 warms the JIT and the connections
    }
    await broker.release?.(topic);
  }
  await batched.stop();
  await unbatched.stop();
  await broker.cleanup();
  const result = {} as Record<Column, { perSecond: number; cpuUs: number }>;
  for (const column of COLUMNS)
    result[column] = {
      perSecond: Math.round(median(rounds[column].map((m) => N / (m.ms / 1000)))),
      cpuUs: Math.round(median(rounds[column].map((m) => m.cpu)) * 10) / 10,
    };
  return result;
}

async function main(): Promise<void> {
  const all = { kafka: kafkaBroker, redis: redisBroker, rabbitmq: rabbitBroker, sqs: sqsBroker };
  const brokers = Object.entries(all)
    .filter(([label]) => ONLY.includes(label))
    .map(([label, make]) => ({ label, make }));
  const results: Record<string, unknown> = {};
  const loads: string[] = [`start ${loadAverage()}`];
  // Written after each broker, so the brokers done are kept when a later one fails.
  const save = () => {
    mkdirSync('bench-results', { recursive: true });
    writeFileSync(
      'bench-results/publish.json',
      JSON.stringify(
        {
          date: new Date().toISOString(),
          messages: Object.fromEntries(brokers.map(({ label }) => [label, messagesFor(label as BrokerName)])),
          window: WINDOW,
          rounds: ROUNDS,
          loadAverage: loads,
          results,
        },
        null,
        2,
      ),
    );
  };
  console.log(
    `publish, ${brokers.map(({ label }) => `${label} ${messagesFor(label as BrokerName)}`).join(', ')} messages, ` +
      `windows of ${WINDOW}, median of ${ROUNDS} rounds (msg/s | client CPU µs/msg); load ${loadAverage()}`,
  );
  console.log(
    ['broker', ...COLUMNS, 'publish / raw', 'publish / same-wire', 'publishBatch / raw'].join(' | '),
  );
  for (const { make, label } of brokers) {
    const r = await benchBroker(make());
    results[label] = r;
    loads.push(`after ${label} ${loadAverage()}`);
    save();
    const raw = (r['raw before'].perSecond + r['raw after'].perSecond) / 2;
    console.log(
      [
        label,
        ...COLUMNS.map((c) => `${r[c].perSecond} | ${r[c].cpuUs}`),
        (r.publish.perSecond / raw).toFixed(2),
        (r.publish.perSecond / r['raw same-wire'].perSecond).toFixed(2),
        (r.publishBatch.perSecond / raw).toFixed(2),
      ].join(' | '),
    );
  }
  console.log(`load average (1, 5, 15 min) at the end: ${loadAverage()}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
