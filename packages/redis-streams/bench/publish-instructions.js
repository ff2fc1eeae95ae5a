// One publisher for bench/instructions.sh (publish side), in plain JavaScript so valgrind runs Node
// without a TypeScript loader; it loads the built packages. Modes:
//   node publish-instructions.js raw <n>      ioredis: pipelined XADD of id, timestamp, headers, body
//   node publish-instructions.js polybus <n>  bus.publishBatch of the same bodies (at-least-once)
// Both first publish 20 000 warm-up entries in batches of 500, so JIT warm-up is in both counts alike.
const { randomUUID } = require('node:crypto');
const { createBus, silentLogger } = require('@polybus/core');
const { Redis } = require('ioredis');
const { redisStreamsTransport } = require('../dist/index.js');

const url = process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const [mode, count] = [process.argv[2], Number(process.argv[3])];
const BATCH = 500;
const WARM = 20_000;
const stream = `bench-publish-instructions-${mode}`;
const body = (i) => ({ orderId: `o-${i}`, amount: i % 1000, currency: 'EUR', note: 'benchmark order' });

async function raw(redis, n) {
  for (let from = 0; from < n; from += BATCH) {
    const pipeline = redis.pipeline();
    for (let i = from; i < Math.min(n, from + BATCH); i++) {
      const headers = JSON.stringify({ 'content-type': 'application/json' });
      pipeline.xadd(
        stream,
        '*',
        'id',
        randomUUID(),
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
}

function polybus(bus) {
  return async (_redis, n) => {
    for (let from = 0; from < n; from += BATCH) {
      const entries = [];
      for (let i = from; i < Math.min(n, from + BATCH); i++) entries.push({ topic: stream, body: body(i) });
      await bus.publishBatch(entries);
    }
  };
}

void (async () => {
  const redis = new Redis(url);
  await redis.del(stream);
  let bus;
  if (mode === 'polybus') {
    bus = createBus({
      transport: redisStreamsTransport({ url, logger: silentLogger }),
      logger: silentLogger,
    });
    await bus.publish(stream, body(0)); // connected beforehand, as the raw client is
  }
  const publish = mode === 'raw' ? raw : polybus(bus);
  await publish(redis, WARM);
  if (count > 0) await publish(redis, count);
  await bus?.stop();
  await redis.del(stream);
  redis.disconnect();
})();
