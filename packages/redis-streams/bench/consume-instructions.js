// One consumer for bench/instructions.sh, in plain JavaScript so valgrind runs Node without a
// TypeScript loader; it loads the built packages. Modes:
//   node consume-instructions.js fill <n>   publish 20 000 warm-up entries and <n> measured ones (Polybus)
//   node consume-instructions.js raw <n>    ioredis: XREADGROUP COUNT 500, decode id/headers/body, async handler, XACK
//   node consume-instructions.js polybus <n>  the same entries through a bus binding, concurrency 500
// Both consumers first read the 20 000 warm-up entries, so JIT warm-up is in both counts alike.
const { createBus, silentLogger } = require('@polybus/core');
const { Redis } = require('ioredis');
const { redisStreamsTransport } = require('../dist/index.js');

const url = process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const [mode, count] = [process.argv[2], Number(process.argv[3])];
const BATCH = 500;
const WARM = 20_000;
const streams = { warm: 'bench-instructions-warm', measured: 'bench-instructions' };
const body = (i) => ({ orderId: `o-${i}`, amount: i % 1000, currency: 'EUR', note: 'benchmark order' });

async function fill(redis) {
  await redis.del(streams.warm, streams.measured);
  const bus = createBus({
    transport: redisStreamsTransport({ url, logger: silentLogger }),
    logger: silentLogger,
  });
  for (const [stream, n] of [
    [streams.warm, WARM],
    [streams.measured, count],
  ])
    for (let from = 0; from < n; from += BATCH) {
      const entries = [];
      for (let i = from; i < Math.min(n, from + BATCH); i++) entries.push({ topic: stream, body: body(i) });
      await bus.publishBatch(entries);
    }
  await bus.stop();
}

async function raw(redis, stream, n) {
  const handler = async () => {};
  await redis.xgroup('CREATE', stream, 'g', '0', 'MKSTREAM');
  for (let seen = 0; seen < n;) {
    const reply = await redis.xreadgroup(
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
    );
    const entries = reply?.[0]?.[1] ?? [];
    for (const [, fields] of entries) {
      let id = '';
      let headers;
      let decoded;
      for (let f = 0; f < fields.length; f += 2) {
        if (fields[f] === 'id') id = fields[f + 1];
        else if (fields[f] === 'headers') headers = JSON.parse(fields[f + 1]);
        else if (fields[f] === 'body') decoded = JSON.parse(fields[f + 1]);
      }
      await handler({ id, headers, body: decoded });
    }
    if (entries.length) await redis.xack(stream, 'g', ...entries.map(([id]) => id));
    seen += entries.length;
  }
}

async function polybus(stream, n) {
  const bus = createBus({
    transport: redisStreamsTransport({ url, batchSize: BATCH, logger: silentLogger }),
    logger: silentLogger,
  });
  let seen = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  bus.bind(stream, async () => void (++seen === n && done()), { group: 'g', concurrency: BATCH });
  await bus.start();
  await finished;
  await bus.stop();
}

void (async () => {
  const redis = new Redis(url);
  if (mode === 'fill') await fill(redis);
  else {
    const consume = mode === 'raw' ? (s, n) => raw(redis, s, n) : polybus;
    await consume(streams.warm, WARM);
    if (count > 0) await consume(streams.measured, count);
  }
  redis.disconnect();
})();
