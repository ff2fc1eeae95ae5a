// Polybus SQS transport next to the raw @aws-sdk/client-sqs doing the same batching, in one run.
//   npx tsx --conditions=polybus-source packages/sqs/bench/bench.ts
// Env: POLYBUS_SQS_ENDPOINT (default http://127.0.0.1:9324), BENCH_MESSAGES (default 16 000),
// BENCH_ROUNDS (default 10), BENCH_WARMUP (default 3 rounds, not counted), BENCH_RAW_CACHE (below). Takes 4–8 minutes.
// Raw publishers send the body alone ('raw') and the body plus one metadata attribute like Polybus's ('raw+meta').
// Polybus publishes twice: single `publish` calls batched by the transport ('publish'), and
// `publishBatch` of 10 with 8 calls in flight, the raw publisher's own batching ('pubBatch').
// Each column (raw, raw+meta or Polybus; publish or consume) runs in a worker process of its own
// (scripts/bench/isolate.ts says why); this process creates the queues and prints the table.
// Besides msg/s it prints the worker's CPU µs per message over the same window: the client-side
// cost, which does not move with ElasticMQ's share of the machine the way throughput does.
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createBus, silentLogger } from '@polybus/core';
import { createSqsClient, queueNameFor, sqsTransport } from '@polybus/sqs';
import { isWorker, serve, startWorker } from '../../../scripts/bench/isolate';
import { median as medianOf, meter, type Measured } from '../../../scripts/bench/measure';

const endpoint = process.env.POLYBUS_SQS_ENDPOINT ?? 'http://127.0.0.1:9324';
const config = { region: 'us-east-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
// 16 000 per window (~1.5 s): in windows of 2 000 the first requests' and collections' share moved
// the figures more than the code did.
const N = Number(process.env.BENCH_MESSAGES ?? 16_000);
// 10 rounds: one round's consume ratio moved from 0.70 to 1.12 (2026-11-26, 2 cores shared with
// ElasticMQ), and the medians of four 3-round runs from 0.84 to 1.00; three 10-round runs gave 0.93,
// 0.92 and 0.88.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
// 3 warm-up rounds: each round starts a fresh bus, and V8 re-optimizes the closures a new bus makes
// until it has seen a few: in a scratch variant of client-cost.ts that ran buses one after another in
// one process, Polybus's consumer cost 125, 116, 107 and 109 µs/msg with its 2nd to 5th bus
// (2026-12-06, docs/benchmarks.md). A service keeps one bus; the steady figure is the one to compare.
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const IN_FLIGHT_BATCHES = 8; // raw: 8 SendMessageBatch / 8 pollers; Polybus: 80 publishes in flight / concurrency 80
const body = (n: number) => ({ orderId: `o-${n}`, amount: n, currency: 'EUR', note: 'x'.repeat(120) });

// One client per process for the whole run, the raw one and the one handed to each Polybus bus
// (`client` option): both sides then run warm, and a bus's start-up (a new client's first
// requests) is not what is compared. Made on first use: a worker needs only its own.
// Each side has the client it gets by default: raw a plain `new SQSClient`, Polybus the one
// `sqsTransport` builds for itself (`createSqsClient`: the SDK's middleware cache on).
// BENCH_RAW_CACHE=1 turns that cache on for the raw client too: like for like.
const rawCache = process.env.BENCH_RAW_CACHE === '1';
let rawClient: SQSClient | undefined;
let polybusClientOfWorker: SQSClient | undefined;
const raw = () => (rawClient ??= new SQSClient({ ...config, cacheMiddleware: rawCache }));
const polybusClient = () => (polybusClientOfWorker ??= createSqsClient(config));

async function freshQueue(label: string): Promise<{ topic: string; url: string }> {
  const topic = `bench.${label}.${randomUUID().slice(0, 8)}`;
  const { QueueUrl } = await raw().send(new CreateQueueCommand({ QueueName: queueNameFor(topic).name }));
  return { topic, url: QueueUrl as string };
}

async function pool(total: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

/** What an application needs to carry besides the body (id, time, headers), in one attribute as Polybus does. */
const metadata = () => ({
  MessageAttributes: {
    meta: {
      DataType: 'String',
      StringValue: JSON.stringify({
        id: randomUUID(),
        timestamp: Date.now(),
        headers: { 'content-type': 'application/json' },
      }),
    },
  },
});

async function rawPublish(url: string, withMetadata: boolean): Promise<void> {
  await pool(Math.ceil(N / 10), IN_FLIGHT_BATCHES, async (b) => {
    const Entries = Array.from({ length: Math.min(10, N - b * 10) }, (_, i) => ({
      Id: String(i),
      MessageBody: JSON.stringify(body(b * 10 + i)),
      ...(withMetadata ? metadata() : {}),
    }));
    const result = await raw().send(new SendMessageBatchCommand({ QueueUrl: url, Entries }));
    if (result.Failed?.length) throw new Error(`raw publish failed: ${result.Failed[0].Message}`);
  });
}

/**
 * `batched` false: single `publish` calls, 80 in flight, batched by the transport. True: the raw
 * publisher's exact batching, `publishBatch` of 10 with 8 calls in flight; the difference between
 * the two is what automatic batching costs.
 */
async function polybusPublish(topic: string, warmTopic: string, batched: boolean): Promise<Measured> {
  const bus = createBus({
    transport: sqsTransport({ client: polybusClient(), logger: silentLogger }),
    logger: silentLogger,
  });
  const send = (into: string, messages: number) =>
    batched
      ? pool(Math.ceil(messages / 10), IN_FLIGHT_BATCHES, async (b) => {
          const entries = Array.from({ length: Math.min(10, messages - b * 10) }, (_, i) => ({
            topic: into,
            body: body(b * 10 + i),
          }));
          await bus.publishBatch(entries);
        })
      : pool(messages, IN_FLIGHT_BATCHES * 10, async (n) => void (await bus.publish(into, body(n))));
  // Warm-up off the clock on another queue: open the client's sockets as the warm raw client has them.
  await send(warmTopic, IN_FLIGHT_BATCHES * 10);
  await bus.publish(topic, body(-1)); // resolves the queue URL before the clock runs
  const clock = meter(N);
  await send(topic, N);
  const measured = clock.read();
  await bus.stop();
  return measured;
}

/**
 * Same shape as the transport: pollers of 10, deletes batched per receive and not awaited before the
 * next receive. Measured from the first message received to the last, as Polybus's consumer.
 */
async function rawConsume(url: string): Promise<Measured> {
  let clock: ReturnType<typeof meter> | undefined;
  let measured: Measured | undefined;
  let consumed = 0;
  const deletes: Promise<unknown>[] = [];
  await Promise.all(
    Array.from({ length: IN_FLIGHT_BATCHES }, async () => {
      while (consumed < N) {
        const { Messages = [] } = await raw().send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) continue;
        clock ??= meter(N);
        // The body, and the metadata attribute where the message has one (raw+meta), as Polybus reads its envelope.
        for (const m of Messages) {
          JSON.parse(m.Body ?? 'null');
          const meta = m.MessageAttributes?.meta?.StringValue;
          if (meta !== undefined) JSON.parse(meta);
        }
        deletes.push(
          raw().send(
            new DeleteMessageBatchCommand({
              QueueUrl: url,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          ),
        );
        consumed += Messages.length;
        if (consumed >= N) measured ??= clock.read();
      }
    }),
  );
  await Promise.all(deletes);
  return measured!;
}

/** The clock (and the CPU meter) runs from the first message handled to the last, as for the raw consumer: start-up is not measured. */
async function polybusConsume(topic: string): Promise<Measured> {
  let consumed = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const bus = createBus({
    transport: sqsTransport({ client: polybusClient(), waitTimeSeconds: 1, logger: silentLogger }),
    logger: silentLogger,
  });
  let clock: ReturnType<typeof meter> | undefined;
  bus.bind(
    topic,
    () => {
      clock ??= meter(N);
      if (++consumed === N) finished();
    },
    { group: 'bench', concurrency: IN_FLIGHT_BATCHES * 10 },
  );
  await bus.start();
  await done;
  const measured = clock!.read();
  await bus.stop();
  return measured;
}

async function timed(run: () => Promise<void>): Promise<Measured> {
  const clock = meter(N);
  await run();
  return clock.read();
}

const tasks = {
  rawPublish: (arg: { url: string; withMetadata: boolean }) =>
    timed(() => rawPublish(arg.url, arg.withMetadata)),
  polybusPublish: (arg: { topic: string; warmTopic: string; batched: boolean }) =>
    polybusPublish(arg.topic, arg.warmTopic, arg.batched),
  rawConsume: (arg: { url: string }) => rawConsume(arg.url),
  polybusConsume: (arg: { topic: string }) => polybusConsume(arg.topic),
};
type Task = keyof typeof tasks;
const columns = [
  'pubRaw',
  'pubRawMeta',
  'pubPolybus',
  'pubBatch',
  'conRaw',
  'conRawMeta',
  'conPolybus',
] as const;
type Workers = Record<(typeof columns)[number], ReturnType<typeof startWorker>>;

interface Row {
  scenario: string;
  raw: number;
  rawMeta: number;
  polybus: number;
  /** This process's CPU µs per message over the timed window, per column. */
  cpu: { raw: number; rawMeta: number; polybus: number };
}

/** One round; `polybusFirst` alternates who runs first, so drift in a shared machine's load evens out. */
async function round(workers: Workers, rows: Row[], polybusFirst: boolean): Promise<void> {
  const a = await freshQueue('raw');
  const m = await freshQueue('rawmeta');
  const b = await freshQueue('polybus');
  const c = await freshQueue('polybus-batch');
  const warm = await freshQueue('warm');
  const pub = { raw: 0, rawMeta: 0, polybus: 0, cpu: { raw: 0, rawMeta: 0, polybus: 0 } };
  const pubBatch = { raw: 0, rawMeta: 0, polybus: 0, cpu: { raw: 0, rawMeta: 0, polybus: 0 } };
  const con = { raw: 0, rawMeta: 0, polybus: 0, cpu: { raw: 0, rawMeta: 0, polybus: 0 } };
  const record = async (
    into: typeof pub,
    column: 'raw' | 'rawMeta' | 'polybus',
    worker: keyof Workers,
    task: Task,
    arg: unknown,
  ) => {
    const m = await workers[worker].run<Measured>(task, arg);
    into[column] = m.ms;
    into.cpu[column] = m.cpu;
  };
  const polybusPub = async () => {
    await record(pub, 'polybus', 'pubPolybus', 'polybusPublish', {
      topic: b.topic,
      warmTopic: warm.topic,
      batched: false,
    });
    const batchArg = { topic: c.topic, warmTopic: warm.topic, batched: true };
    await record(pubBatch, 'polybus', 'pubBatch', 'polybusPublish', batchArg);
  };
  const rawPubs = async () => {
    await record(pub, 'raw', 'pubRaw', 'rawPublish', { url: a.url, withMetadata: false });
    await record(pub, 'rawMeta', 'pubRawMeta', 'rawPublish', { url: m.url, withMetadata: true });
  };
  const polybusCon = () => record(con, 'polybus', 'conPolybus', 'polybusConsume', { topic: b.topic });
  const rawCons = async () => {
    await record(con, 'raw', 'conRaw', 'rawConsume', { url: a.url });
    await record(con, 'rawMeta', 'conRawMeta', 'rawConsume', { url: m.url });
  };
  for (const step of polybusFirst ? [polybusPub, rawPubs] : [rawPubs, polybusPub]) await step();
  for (const step of polybusFirst ? [polybusCon, rawCons] : [rawCons, polybusCon]) await step();
  // The batch row compares with the same raw runs as the publish row.
  for (const column of ['raw', 'rawMeta'] as const) {
    pubBatch[column] = pub[column];
    pubBatch.cpu[column] = pub.cpu[column];
  }
  rows.push(
    { scenario: 'publish', ...pub },
    { scenario: 'pubBatch', ...pubBatch },
    { scenario: 'consume', ...con },
  );
  // Deleted as the round ends: ElasticMQ keeps every queue in its heap (the batch queue is never read).
  await Promise.all(
    [a, m, b, c, warm].map(({ url }) =>
      raw()
        .send(new DeleteQueueCommand({ QueueUrl: url }))
        .catch(() => undefined),
    ),
  );
}

async function main(): Promise<void> {
  // The SDK's notice that Node 20 support ends is printed once, by this process, not once per worker.
  const quiet = { NODE_NO_WARNINGS: '1' };
  const workers = Object.fromEntries(columns.map((c) => [c, startWorker(__filename, quiet)])) as Workers;
  for (let i = 0; i < WARMUP; i++) await round(workers, [], i % 2 === 1); // JIT, sockets
  const rows: Row[] = [];
  for (let i = 0; i < ROUNDS; i++) await round(workers, rows, i % 2 === 1);
  Object.values(workers).forEach((worker) => worker.close());
  console.log(
    `\nSQS benchmark: ${N} messages of ~${JSON.stringify(body(0)).length} B, endpoint ${endpoint}, batches of 10, ${IN_FLIGHT_BATCHES} batches / pollers in flight, raw client's middleware cache ${rawCache ? 'on' : 'off'}`,
  );
  const rate = (ms: number) => String(Math.round((N / ms) * 1000));
  const line = (cells: string[]) =>
    console.log(cells.map((c, i) => (i < 2 ? c.padEnd(9) : c.padStart(14))).join(' '));
  line(['scenario', 'run', 'raw msg/s', 'raw+meta msg/s', 'polybus msg/s', 'polybus/raw', 'polybus/meta']);
  rows.forEach((r, i) =>
    line([
      r.scenario,
      String(Math.floor(i / 3) + 1),
      rate(r.raw),
      rate(r.rawMeta),
      rate(r.polybus),
      (r.raw / r.polybus).toFixed(2),
      (r.rawMeta / r.polybus).toFixed(2),
    ]),
  );
  for (const scenario of ['publish', 'pubBatch', 'consume']) {
    const mine = rows.filter((r) => r.scenario === scenario);
    const median = (f: (r: Row) => number) => medianOf(mine.map(f));
    const [raw_, meta, poly] = [median((r) => r.raw), median((r) => r.rawMeta), median((r) => r.polybus)];
    // ratio columns of the median row: median of the per-round ratios (each round ran side by side)
    line([
      scenario,
      'median',
      rate(raw_),
      rate(meta),
      rate(poly),
      median((r) => r.raw / r.polybus).toFixed(2),
      median((r) => r.rawMeta / r.polybus).toFixed(2),
    ]);
    line([
      scenario,
      'CPU µs/msg',
      median((r) => r.cpu.raw).toFixed(0),
      median((r) => r.cpu.rawMeta).toFixed(0),
      median((r) => r.cpu.polybus).toFixed(0),
      median((r) => r.cpu.raw / r.cpu.polybus).toFixed(2),
      median((r) => r.cpu.rawMeta / r.cpu.polybus).toFixed(2),
    ]);
  }
  raw().destroy();
}

if (isWorker()) serve(tasks);
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
