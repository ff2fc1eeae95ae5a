// Polybus on RabbitMQ next to raw amqplib, same broker, same run, same message shape.
//   npx tsx --conditions=polybus-source packages/rabbitmq/bench/bench.ts
// Env: POLYBUS_AMQP_URL, BENCH_MESSAGES (default 10 000), BENCH_ROUNDS (default 2, best kept).
// Publish: confirmed, persistent, messageId + contentType, windows of 500 awaited in turn; a second
// raw line also carries the headers Polybus writes (see sameWireOptions).
// Consume: a pre-filled queue, prefetch/concurrency 100, JSON decode, every message acked manually
// (raw: one basic.ack each; Polybus batches the acks of one event-loop turn into a multiple ack).
import { randomBytes } from 'node:crypto';
import { connect, type ChannelModel, type Options } from 'amqplib';
import { createBus, silentLogger, uuidv7 } from '@polybus/core';
import { rabbitmqTransport } from '../src/index';

const url = process.env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const N = Number(process.env.BENCH_MESSAGES ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const WINDOW = 500;
const PREFETCH = 100;
const body = (i: number) => ({
  orderId: `o-${i}`,
  amount: i % 1000,
  currency: 'EUR',
  note: 'benchmark order',
});
const name = (what: string) => `bench-${what}-${randomBytes(3).toString('hex')}`;
const transport = () => rabbitmqTransport({ url, logger: silentLogger });

async function declare(conn: ChannelModel, topic: string, queue: string): Promise<void> {
  const ch = await conn.createChannel();
  await ch.assertExchange(topic, 'topic', { durable: true });
  await ch.assertQueue(queue, { durable: true });
  await ch.bindQueue(queue, topic, '#');
  await ch.close();
}

async function cleanup(conn: ChannelModel, topic: string, queue: string): Promise<void> {
  const ch = await conn.createChannel();
  await ch.deleteQueue(queue);
  await ch.deleteExchange(topic);
  await ch.close();
}

// The plain raw line sends no headers. Polybus also writes `polybus-timestamp` (ms, as AMQP's
// `timestamp` property has whole seconds) and that property (its documented wire format, read back
// by consumers), which costs the broker and amqplib per message; `sameWire` is the raw code a user
// would write to carry them. The id travels as `messageId` in both.
type RawOptions = Options.Publish;
const plainOptions = (): RawOptions => ({
  persistent: true,
  mandatory: true,
  messageId: uuidv7(),
  contentType: 'application/json',
});
const sameWireOptions = (): RawOptions => {
  const id = uuidv7();
  const now = Date.now();
  return {
    persistent: true,
    mandatory: true,
    messageId: id,
    contentType: 'application/json',
    timestamp: Math.floor(now / 1000),
    headers: { 'polybus-timestamp': String(now) },
  };
};

async function rawPublish(conn: ChannelModel, topic: string, makeOptions: () => RawOptions): Promise<number> {
  const ch = await conn.createConfirmChannel();
  const started = performance.now();
  for (let from = 0; from < N; from += WINDOW) {
    const confirms: Array<Promise<void>> = [];
    for (let i = from; i < Math.min(N, from + WINDOW); i++) {
      const content = Buffer.from(JSON.stringify(body(i)));
      const options = makeOptions();
      confirms.push(
        new Promise((resolve, reject) =>
          ch.publish(topic, '', content, options, (err) => (err ? reject(err) : resolve())),
        ),
      );
    }
    await Promise.all(confirms);
  }
  const ms = performance.now() - started;
  await ch.close();
  return ms;
}

async function polybusPublish(topic: string): Promise<number> {
  const bus = createBus({ transport: transport(), logger: silentLogger });
  await bus.publish(topic, body(-1)); // connect and declare outside the timing
  const started = performance.now();
  for (let from = 0; from < N; from += WINDOW) {
    const entries = [];
    for (let i = from; i < Math.min(N, from + WINDOW); i++) entries.push({ topic, body: body(i) });
    await bus.publishBatch(entries);
  }
  const ms = performance.now() - started;
  await bus.stop();
  return ms;
}

async function fill(conn: ChannelModel, topic: string): Promise<void> {
  const ch = await conn.createConfirmChannel();
  for (let i = 0; i < N; i++)
    ch.publish(topic, '', Buffer.from(JSON.stringify(body(i))), {
      persistent: true,
      messageId: uuidv7(),
      contentType: 'application/json',
    });
  await ch.waitForConfirms();
  await ch.close();
}

async function rawConsume(conn: ChannelModel, topic: string, queue: string): Promise<number> {
  await fill(conn, topic);
  const ch = await conn.createChannel();
  await ch.prefetch(PREFETCH);
  let seen = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    void ch.consume(queue, (msg) => {
      if (!msg) return;
      JSON.parse(msg.content.toString('utf8'));
      ch.ack(msg);
      if (++seen === N) resolve();
    });
  });
  const ms = performance.now() - started;
  await ch.close();
  return ms;
}

async function polybusConsume(conn: ChannelModel, topic: string): Promise<number> {
  // A first bus declares the group queue with Polybus's arguments, then the queue is filled.
  const setup = createBus({ transport: transport(), logger: silentLogger });
  setup.bind(topic, async () => undefined, { group: 'g' });
  await setup.start();
  await setup.stop();
  await fill(conn, topic);
  const bus = createBus({ transport: transport(), logger: silentLogger });
  let seen = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  bus.bind(topic, async () => void (++seen === N && done()), { group: 'g', concurrency: PREFETCH });
  const started = performance.now();
  await bus.start();
  await finished;
  const ms = performance.now() - started;
  await bus.stop();
  return ms;
}

async function main(): Promise<void> {
  const conn = await connect(url);
  const best = {
    rawPub: Infinity,
    rawPubWire: Infinity,
    busPub: Infinity,
    rawCon: Infinity,
    busCon: Infinity,
  };
  for (let round = 0; round < ROUNDS; round++) {
    const t1 = name('raw-pub');
    await declare(conn, t1, `${t1}.q`);
    best.rawPub = Math.min(best.rawPub, await rawPublish(conn, t1, plainOptions));
    await cleanup(conn, t1, `${t1}.q`);

    const t1w = name('raw-pub-wire');
    await declare(conn, t1w, `${t1w}.q`);
    best.rawPubWire = Math.min(best.rawPubWire, await rawPublish(conn, t1w, sameWireOptions));
    await cleanup(conn, t1w, `${t1w}.q`);

    const t2 = name('bus-pub');
    await declare(conn, t2, `${t2}.q`);
    best.busPub = Math.min(best.busPub, await polybusPublish(t2));
    await cleanup(conn, t2, `${t2}.q`);

    const t3 = name('raw-con');
    await declare(conn, t3, `${t3}.q`);
    best.rawCon = Math.min(best.rawCon, await rawConsume(conn, t3, `${t3}.q`));
    await cleanup(conn, t3, `${t3}.q`);

    const t4 = name('bus-con');
    best.busCon = Math.min(best.busCon, await polybusConsume(conn, t4));
    const ch = await conn.createChannel();
    await ch.deleteQueue(`${t4}.g`);
    await ch.deleteQueue(`polybus.retained.${t4}.dlq`);
    await ch.deleteExchange(t4);
    await ch.deleteExchange(`${t4}.dlq`);
    await ch.close();
  }
  await conn.close();
  const rate = (ms: number) => Math.round((N / ms) * 1000);
  const rows = [
    ['confirmed persistent publish', rate(best.rawPub), rate(best.busPub)],
    ['confirmed persistent publish, raw with the same headers', rate(best.rawPubWire), rate(best.busPub)],
    ['manual-ack consume', rate(best.rawCon), rate(best.busCon)],
  ] as const;
  console.log(
    `RabbitMQ ${url.replace(/\/\/[^@]*@/, '//')}  messages=${N}  rounds=${ROUNDS} (best kept)  window=${WINDOW}  prefetch=${PREFETCH}`,
  );
  console.log('| case | raw amqplib msg/s | Polybus msg/s | ratio |');
  console.log('|---|---:|---:|---:|');
  for (const [label, raw, bus] of rows)
    console.log(`| ${label} | ${raw} | ${bus} | ${(bus / raw).toFixed(2)} |`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
