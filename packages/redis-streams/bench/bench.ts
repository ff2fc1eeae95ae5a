// Polybus on Redis Streams next to raw ioredis, same server, same process, same run.
//   npx tsx --conditions=polybus-source packages/redis-streams/bench/bench.ts
// Env: POLYBUS_REDIS_URL, BENCH_MESSAGES (default 20 000), BENCH_ROUNDS (default 5, best kept).
import { randomBytes, randomUUID } from 'node:crypto';
import { createBus, silentLogger, type BatchEntry, type Bus } from '@polybus/core';
import Redis from 'ioredis';
import { redisStreamsTransport } from '../src/index';

const url = process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BATCH = 500;
const body = (i: number) => ({
  orderId: `o-${i}`,
  amount: i % 1000,
  currency: 'EUR',
  note: 'benchmark order',
});
const name = (what: string) => `bench-${what}-${Date.now()}-${randomBytes(3).toString('hex')}`;
const perSecond = (ms: number) => Math.round((N / ms) * 1000);

/** `sameFields`: the raw client writes what Polybus writes (id, timestamp, headers, body); else body only. */
async function rawPublish(redis: Redis, stream: string, sameFields: boolean): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < N; from += BATCH) {
    const pipeline = redis.pipeline();
    for (let i = from; i < Math.min(N, from + BATCH); i++) {
      if (!sameFields) {
        pipeline.xadd(stream, '*', 'body', JSON.stringify(body(i)));
        continue;
      }
      const id = randomUUID();
      const headers = JSON.stringify({ 'polybus-id': id, 'content-type': 'application/json' });
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
  return performance.now() - started;
}

/** One publishing bus for the whole run, connected beforehand, as the raw client is. */
async function polybusPublish(bus: Bus, stream: string): Promise<number> {
  const started = performance.now();
  for (let from = 0; from < N; from += BATCH) {
    const entries: BatchEntry[] = [];
    for (let i = from; i < Math.min(N, from + BATCH); i++) entries.push({ topic: stream, body: body(i) });
    await bus.publishBatch(entries);
  }
  return performance.now() - started;
}

/** Timed from the first reply: connection set-up is not what is compared. */
async function rawConsume(redis: Redis, stream: string): Promise<number> {
  await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
  let started = 0;
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
    if (started === 0 && entries.length > 0) started = performance.now();
    // Decode what the entry carries: the body, and the headers where there are some.
    for (const [, fields] of entries) {
      for (let f = 0; f < fields.length; f += 2) {
        if (fields[f] === 'body' || fields[f] === 'headers') JSON.parse(fields[f + 1]!);
      }
    }
    if (entries.length) await redis.xack(stream, 'g', ...entries.map(([id]) => id));
    seen += entries.length;
  }
  return performance.now() - started;
}

/** Timed from the first delivery, like the raw loop from its first reply. */
async function polybusConsume(stream: string): Promise<number> {
  const bus = createBus({
    transport: redisStreamsTransport({ url, batchSize: BATCH, logger: silentLogger }),
    logger: silentLogger,
  });
  let seen = 0;
  let started = 0;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  const handler = async (): Promise<void> => {
    if (seen++ === 0) started = performance.now();
    if (seen === N) done();
  };
  bus.bind(stream, handler, { group: 'g', concurrency: BATCH });
  await bus.start();
  await finished;
  const elapsed = performance.now() - started;
  await bus.stop();
  return elapsed;
}

async function main(): Promise<void> {
  const redis = new Redis(url);
  const publisher = createBus({
    transport: redisStreamsTransport({ url, logger: silentLogger }),
    logger: silentLogger,
  });
  const warmUp = name('warm-up');
  await publisher.publish(warmUp, body(0));
  const best = {
    rawPub: Infinity,
    rawPubSame: Infinity,
    pbPub: Infinity,
    rawCon: Infinity,
    rawConSame: Infinity,
    pbCon: Infinity,
  };
  for (let round = 0; round < ROUNDS; round++) {
    const [rawStream, sameStream, pbStream] = [name('raw'), name('raw-same'), name('polybus')];
    best.rawPub = Math.min(best.rawPub, await rawPublish(redis, rawStream, false));
    best.rawPubSame = Math.min(best.rawPubSame, await rawPublish(redis, sameStream, true));
    best.pbPub = Math.min(best.pbPub, await polybusPublish(publisher, pbStream));
    best.rawCon = Math.min(best.rawCon, await rawConsume(redis, rawStream));
    best.rawConSame = Math.min(best.rawConSame, await rawConsume(redis, sameStream));
    best.pbCon = Math.min(best.pbCon, await polybusConsume(pbStream));
    await redis.del(rawStream, sameStream, pbStream);
  }
  const rows = [
    [
      'publish: pipelined XADD, batches of 500, replies awaited; raw writes `body` only',
      best.rawPub,
      best.pbPub,
    ],
    [
      'publish: same, raw writes the fields Polybus writes (id, timestamp, headers, body)',
      best.rawPubSame,
      best.pbPub,
    ],
    [
      'consume: XREADGROUP COUNT 500 + XACK, JSON decode; raw entries have `body` only',
      best.rawCon,
      best.pbCon,
    ],
    [
      'consume: same, raw reads Polybus-shaped entries (decodes headers and body)',
      best.rawConSame,
      best.pbCon,
    ],
  ] as const;
  console.log(`Redis Streams, ${N} messages per run, best of ${ROUNDS} rounds, ${url}`);
  console.log('| operation | raw ioredis msg/s | Polybus msg/s | ratio |');
  console.log('|---|---:|---:|---:|');
  for (const [op, raw, pb] of rows)
    console.log(`| ${op} | ${perSecond(raw)} | ${perSecond(pb)} | ${(raw / pb).toFixed(2)} |`);
  await redis.del(warmUp);
  redis.disconnect();
  await publisher.stop();
}

void main();
