// Polybus on Redis Streams next to raw ioredis, same server, same run.
//   npx tsx --conditions=polybus-source packages/redis-streams/bench/bench.ts
// Env: POLYBUS_REDIS_URL, BENCH_MESSAGES (default 100 000), BENCH_ROUNDS (default 5; medians printed),
// BENCH_WARMUP (default 3 rounds, not counted).
// Each column (raw or Polybus, publish or consume) runs in a worker process of its own
// (scripts/bench/isolate.ts says why); this process orchestrates the rounds and prints the table.
// Besides msg/s it prints the worker's CPU µs per message over the same window (ioredis and
// Polybus; Redis is another process), which moves less with the machine's load than throughput.
import { randomBytes, randomUUID } from 'node:crypto';
import { createBus, silentLogger, type BatchEntry, type Bus } from '@polybus/core';
import Redis from 'ioredis';
import { isWorker, serve, startWorker } from '../../../scripts/bench/isolate';
import { median, meter as meterOf, type Measured } from '../../../scripts/bench/measure';
import { redisStreamsTransport } from '../src/index';

const url = process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';
// 100 000 per window: in windows of 20 000 (~0.1 s) a side's CPU per message moves by up to ±25 % from
// round to round (a collection lands in the window or not), in windows of 100 000 by up to ±12 %.
const N = Number(process.env.BENCH_MESSAGES ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
// Warm-up rounds keep JIT tier-up out of the medians, on both sides: in separate processes with
// windows of 100 000 the raw handler loop cost 5.0, 5.3 and 4.3 µs/msg in its three warm-up rounds
// and 3.6-4.4 after them; Polybus's consumer 5.2, 5.0, 4.2, then 3.9-4.5.
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const BATCH = 500;
const meter = () => meterOf(N);
const body = (i: number) => ({
  orderId: `o-${i}`,
  amount: i % 1000,
  currency: 'EUR',
  note: 'benchmark order',
});
const name = (what: string) => `bench-${what}-${Date.now()}-${randomBytes(3).toString('hex')}`;
/** `sameFields`: the raw client writes what Polybus writes (id, timestamp, headers, body); else body only. */
async function rawPublish(redis: Redis, stream: string, sameFields: boolean): Promise<Measured> {
  const clock = meter();
  for (let from = 0; from < N; from += BATCH) {
    const pipeline = redis.pipeline();
    for (let i = from; i < Math.min(N, from + BATCH); i++) {
      if (!sameFields) {
        pipeline.xadd(stream, '*', 'body', JSON.stringify(body(i)));
        continue;
      }
      const id = randomUUID();
      const headers = JSON.stringify({ 'content-type': 'application/json' });
      pipeline.xadd(
        stream,
        '*',
        'id',
        id,
        'timestamp',
        String(Date.now()),
        'headers',
        headers,
        'body',
        JSON.stringify(body(i)),
      );
    }
    await pipeline.exec();
  }
  return clock.read();
}

/** One publishing bus for the whole run, connected beforehand, as the raw client is. */
async function polybusPublish(bus: Bus, stream: string): Promise<Measured> {
  const clock = meter();
  for (let from = 0; from < N; from += BATCH) {
    const entries: BatchEntry[] = [];
    for (let i = from; i < Math.min(N, from + BATCH); i++) entries.push({ topic: stream, body: body(i) });
    await bus.publishBatch(entries);
  }
  return clock.read();
}

/**
 * Timed from the first reply: connection set-up is not what is compared. `withHandler`: each entry
 * is decoded into a message and handed to an async handler, awaited in order, as a raw consumer
 * that runs application code per entry does; else the loop only decodes.
 */
async function rawConsume(redis: Redis, stream: string, withHandler = false): Promise<Measured> {
  let handled = 0;
  const handler = async (_message: { id: string; headers: unknown; body: unknown }): Promise<void> => {
    handled++;
  };
  await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
  let clock: ReturnType<typeof meter> | undefined;
  let seen = 0;
  while (seen < N) {
    const reply = (await redis.xreadgroup(
      'GROUP',
      'g',
      'raw',
      'COUNT',
      BATCH,
      'BLOCK',
      1000,
      'STREAMS',
      stream,
      '>',
    )) as Array<[string, Array<[string, string[]]>]> | null;
    const entries = reply?.[0]?.[1] ?? [];
    if (clock === undefined && entries.length > 0) clock = meter();
    // Decode what the entry carries: the body, and the headers where there are some.
    for (const [, fields] of entries) {
      let id = '';
      let headers: unknown;
      let decoded: unknown;
      for (let f = 0; f < fields.length; f += 2) {
        if (fields[f] === 'id') id = fields[f + 1]!;
        else if (fields[f] === 'headers') headers = JSON.parse(fields[f + 1]!);
        else if (fields[f] === 'body') decoded = JSON.parse(fields[f + 1]!);
      }
      if (withHandler) await handler({ id, headers, body: decoded });
    }
    if (entries.length) await redis.xack(stream, 'g', ...entries.map(([id]) => id));
    seen += entries.length;
  }
  if (withHandler && handled !== N) throw new Error(`raw handler saw ${handled} of ${N}`);
  return clock!.read();
}

/** Timed from the first delivery, like the raw loop from its first reply. */
async function polybusConsume(stream: string): Promise<Measured> {
  const bus = createBus({
    transport: redisStreamsTransport({ url, batchSize: BATCH, logger: silentLogger }),
    logger: silentLogger,
  });
  let seen = 0;
  let clock: ReturnType<typeof meter> | undefined;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const handler = async (): Promise<void> => {
    if (seen++ === 0) clock = meter();
    if (seen === N) done();
  };
  bus.bind(stream, handler, { group: 'g', concurrency: BATCH });
  await bus.start();
  await finished;
  const measured = clock!.read();
  await bus.stop();
  return measured;
}

/** What a worker does; each worker keeps its own connections for its lifetime, as the raw client would. */
let redisOfWorker: Redis | undefined;
let publisherOfWorker: Bus | undefined;
const redisHere = () => (redisOfWorker ??= new Redis(url));
const tasks = {
  rawPublish: (arg: { stream: string; sameFields: boolean }) =>
    rawPublish(redisHere(), arg.stream, arg.sameFields),
  polybusPublish: async (arg: { stream: string }) => {
    publisherOfWorker ??= createBus({
      transport: redisStreamsTransport({ url, logger: silentLogger }),
      logger: silentLogger,
    });
    return polybusPublish(publisherOfWorker, arg.stream);
  },
  rawConsume: (arg: { stream: string; withHandler: boolean }) =>
    rawConsume(redisHere(), arg.stream, arg.withHandler),
  polybusConsume: (arg: { stream: string }) => polybusConsume(arg.stream),
};
type Task = keyof typeof tasks;

async function main(): Promise<void> {
  const redis = new Redis(url);
  const columns = [
    'rawPub',
    'rawPubSame',
    'pbPub',
    'rawCon',
    'rawConSame',
    'rawConHandler',
    'pbCon',
  ] as const;
  const workers = Object.fromEntries(columns.map((c) => [c, startWorker(__filename)]));
  type Column = (typeof columns)[number];
  const runs = Object.fromEntries(columns.map((c) => [c, [] as Measured[]])) as Record<Column, Measured[]>;
  // Every round's CPU µs/msg, warm-up included: shows whether the windows reached a steady speed.
  const trail = Object.fromEntries(columns.map((c) => [c, [] as string[]])) as Record<Column, string[]>;
  // Rounds below 0 warm every path up (JIT) and are not counted.
  for (let round = -WARMUP; round < ROUNDS; round++) {
    const on = async (column: Column, task: Task, arg: unknown) => {
      const measured = await workers[column].run<Measured>(task, arg);
      if (round >= 0) runs[column].push(measured);
      trail[column].push(`${round < 0 ? '(' : ''}${measured.cpu.toFixed(1)}${round < 0 ? ')' : ''}`);
    };
    const [rawStream, sameStream, pbStream] = [name('raw'), name('raw-same'), name('polybus')];
    const handlerStream = name('raw-handler');
    // Who goes first alternates by round, as in the SQS bench, so drift in the machine's load
    // weighs on both sides alike.
    const polybusFirst = round % 2 === 1;
    const rawPubs = async () => {
      await on('rawPub', 'rawPublish', { stream: rawStream, sameFields: false });
      await on('rawPubSame', 'rawPublish', { stream: sameStream, sameFields: true });
    };
    const pbPub = () => on('pbPub', 'polybusPublish', { stream: pbStream });
    for (const step of polybusFirst ? [pbPub, rawPubs] : [rawPubs, pbPub]) await step();
    // Entries for the handler line, off the clock.
    await workers.rawPubSame.run('rawPublish', { stream: handlerStream, sameFields: true });
    const rawCons = async () => {
      await on('rawCon', 'rawConsume', { stream: rawStream, withHandler: false });
      await on('rawConSame', 'rawConsume', { stream: sameStream, withHandler: false });
      await on('rawConHandler', 'rawConsume', { stream: handlerStream, withHandler: true });
    };
    const pbCon = () => on('pbCon', 'polybusConsume', { stream: pbStream });
    for (const step of polybusFirst ? [pbCon, rawCons] : [rawCons, pbCon]) await step();
    await redis.del(rawStream, sameStream, pbStream, handlerStream);
  }
  Object.values(workers).forEach((worker) => worker.close());
  const rows: Array<[string, Measured[], Measured[]]> = [
    [
      'publish: pipelined XADD, batches of 500, replies awaited; raw writes `body` only',
      runs.rawPub,
      runs.pbPub,
    ],
    [
      'publish: same, raw writes the fields Polybus writes (id, timestamp, headers, body)',
      runs.rawPubSame,
      runs.pbPub,
    ],
    [
      'consume: XREADGROUP COUNT 500 + XACK, JSON decode; raw entries have `body` only',
      runs.rawCon,
      runs.pbCon,
    ],
    [
      'consume: same, raw reads Polybus-shaped entries (decodes headers and body)',
      runs.rawConSame,
      runs.pbCon,
    ],
    [
      'consume: same, raw hands each decoded entry to an async handler, awaited in order',
      runs.rawConHandler,
      runs.pbCon,
    ],
  ];
  console.log(
    `Redis Streams, ${N} messages per run, medians of ${ROUNDS} rounds after ${WARMUP} warm-up rounds, one process per column, ${url}`,
  );
  console.log(
    '| operation | raw ioredis msg/s | Polybus msg/s | ratio | CPU µs/msg raw / Polybus | CPU ratio |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  const rate = (m: Measured[]) => Math.round(median(m.map((x) => (N / x.ms) * 1000)));
  for (const [op, raw, pb] of rows) {
    const ratio = median(raw.map((r, i) => r.ms / pb[i].ms)).toFixed(2);
    const cpuRatio = median(raw.map((r, i) => r.cpu / pb[i].cpu)).toFixed(2);
    const cpu = `${median(raw.map((r) => r.cpu)).toFixed(1)} / ${median(pb.map((r) => r.cpu)).toFixed(1)}`;
    console.log(`| ${op} | ${rate(raw)} | ${rate(pb)} | ${ratio} | ${cpu} | ${cpuRatio} |`);
  }
  console.log('\nCPU µs/msg per round, warm-up rounds in parentheses:');
  for (const column of columns) console.log(`  ${column.padEnd(14)} ${trail[column].join(' ')}`);
  redis.disconnect();
}

if (isWorker()) serve(tasks);
else void main();
