/**
 * Core engine cost: messages per second through bind + at-least-once on the memory transport,
 * next to the same handler called in a bare loop, in one run; then heap over 1M messages.
 *
 *   pnpm bench:core      (node --expose-gc, so heap figures are after a full collection)
 */
import { createBus, jsonCodec, silentLogger, type HandlerContext, type Message } from '@polybus/core';

const N = 200_000;
const HEAP_ROUNDS = 10;
const HEAP_ROUND = 100_000;

let sink = 0;
async function handler(msg: Message<{ n: number }>, _ctx: HandlerContext): Promise<void> {
  sink += msg.body.n;
}

const rate = (count: number, ms: number) =>
  `${Math.round((count / ms) * 1000)
    .toLocaleString()
    .padStart(9)} msg/s`;
const perMsg = (count: number, ms: number) => `${((ms * 1000) / count).toFixed(3)} µs/msg`;
const elapsed = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** The same handler over the same encoded payloads, decoded in a plain loop: what a raw consumer does. */
async function bareLoop(): Promise<number> {
  const payloads = Array.from({ length: N }, (_, n) => jsonCodec.encode({ n }).payload);
  const ctx = {} as HandlerContext;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    const body = JSON.parse(payloads[i].toString('utf8')) as { n: number };
    await handler({ id: '', topic: 'bench', headers: {}, body, timestamp: 0 }, ctx);
  }
  return elapsed(t0);
}

/** Publish a backlog before the consumer exists, then time the consumer alone. */
async function consume(
  namespace: string,
  concurrency: number,
): Promise<{ publishMs: number; consumeMs: number }> {
  const url = `memory://${namespace}`;
  const publisher = createBus({ url, logger: silentLogger });
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i += 1_000)
    await publisher.publishBatch(
      Array.from({ length: 1_000 }, (_, k) => ({ topic: 'bench', body: { n: i + k } })),
    );
  const publishMs = elapsed(t0);
  const bus = createBus({ url, logger: silentLogger });
  let processed = 0;
  let done: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (done = resolve));
  bus.bind<{ n: number }>(
    'bench',
    async (m, ctx) => {
      await handler(m, ctx);
      if (++processed === N) done();
    },
    { group: 'g', guarantee: 'at-least-once', concurrency },
  );
  const t1 = process.hrtime.bigint();
  await bus.start();
  await finished;
  const consumeMs = elapsed(t1);
  await Promise.all([bus.stop(), publisher.stop()]);
  return { publishMs, consumeMs };
}

async function heapOverAMillion(gc: (() => void) | undefined): Promise<number[]> {
  const bus = createBus({ url: 'memory://bench-heap', logger: silentLogger });
  let processed = 0;
  let target = 0;
  let done: () => void = () => undefined;
  bus.bind<{ n: number }>('heap', async () => void (++processed === target && done()), {
    group: 'g',
    concurrency: 64,
  });
  await bus.start();
  const heap: number[] = [];
  for (let round = 0; round < HEAP_ROUNDS; round++) {
    target = processed + HEAP_ROUND;
    const finished = new Promise<void>((resolve) => (done = resolve));
    for (let i = 0; i < HEAP_ROUND; i += 1_000)
      await bus.publishBatch(Array.from({ length: 1_000 }, () => ({ topic: 'heap', body: { n: 1 } })));
    await finished;
    gc?.();
    heap.push(process.memoryUsage().heapUsed / 2 ** 20);
  }
  await bus.stop();
  return heap;
}

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  await consume('bench-warmup', 64); // JIT warm-up
  await bareLoop();
  gc?.();
  const bareMs = await bareLoop();
  gc?.();
  const c1 = await consume('bench-c1', 1);
  gc?.();
  const c64 = await consume('bench-c64', 64);
  console.log(`\nPolybus core engine, ${N.toLocaleString()} messages of {"n":…}, one process`);
  console.log(`  bare loop: JSON decode + handler awaited        ${rate(N, bareMs)}  ${perMsg(N, bareMs)}`);
  console.log(
    `  publishBatch (encode, id, enqueue) on memory    ${rate(N, c64.publishMs)}  ${perMsg(N, c64.publishMs)}`,
  );
  console.log(
    `  bind + at-least-once consume, concurrency 1     ${rate(N, c1.consumeMs)}  ${perMsg(N, c1.consumeMs)}`,
  );
  console.log(
    `  bind + at-least-once consume, concurrency 64    ${rate(N, c64.consumeMs)}  ${perMsg(N, c64.consumeMs)}`,
  );
  console.log(
    `  engine + memory transport cost over the bare loop: ${(((c64.consumeMs - bareMs) * 1000) / N).toFixed(3)} µs/msg (concurrency 64)`,
  );
  const heap = await heapOverAMillion(gc);
  console.log(
    `  heap after each 100k of 1M (MB${gc ? ', after gc' : ''}): ${heap.map((h) => h.toFixed(1)).join(' ')}`,
  );
  console.log(`  (sink ${sink})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
