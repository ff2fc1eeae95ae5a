/**
 * Core engine cost: messages per second through bind + at-least-once on the memory transport,
 * next to the same handler called in a bare loop, in one run; then heap after 1M messages.
 *
 *   pnpm bench:core      (node --expose-gc, so heap figures are after a full collection)
 */
import { createBus, silentLogger, type HandlerContext, type Message } from '@polybus/core';

const ROUND = 100_000;
const ROUNDS = 10;

let sink = 0;
async function handler(msg: Message<{ n: number }>, _ctx: HandlerContext): Promise<void> {
  sink += msg.body.n;
}

async function bareLoop(messages: Message<{ n: number }>[]): Promise<number> {
  const ctx = {} as HandlerContext;
  const t0 = process.hrtime.bigint();
  for (const m of messages) await handler(m, ctx);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

async function main(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const bus = createBus({ url: 'memory://bench', logger: silentLogger });
  let processed = 0;
  let target = 0;
  let done: () => void = () => undefined;
  bus.bind<{ n: number }>(
    'bench',
    async (m, ctx) => {
      await handler(m, ctx);
      if (++processed === target) done();
    },
    { group: 'g', guarantee: 'at-least-once', concurrency: 256 },
  );
  await bus.start();

  const body = { n: 1 };
  const publish = async () => {
    for (let i = 0; i < ROUND; i += 1_000)
      await bus.publishBatch(Array.from({ length: 1_000 }, () => ({ topic: 'bench', body })));
  };
  // Publishing and consuming interleave on a live bus, so the consume side is measured as
  // end to end minus publish alone (timed below on a topic nobody consumes).
  const rows: string[] = [];
  const heap: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    target = processed + ROUND;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const t0 = process.hrtime.bigint();
    await publish();
    await finished;
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    gc?.();
    heap.push(process.memoryUsage().heapUsed / 2 ** 20);
    if (round === 1 || round === ROUNDS)
      rows.push(`round ${round}: ${((ROUND / ms) * 1000).toFixed(0)} msg/s end to end`);
  }

  // Publish cost alone (encode + enqueue) on a topic nobody consumes, to separate it out.
  const publishOnly = createBus({ url: 'memory://bench-publish-only', logger: silentLogger });
  const tp = process.hrtime.bigint();
  for (let i = 0; i < ROUND; i += 1_000)
    await publishOnly.publishBatch(Array.from({ length: 1_000 }, () => ({ topic: 'nobody', body })));
  const publishMs = Number(process.hrtime.bigint() - tp) / 1e6;

  const decoded = Array.from({ length: ROUND }, (_, n) => ({
    id: String(n),
    topic: 'bench',
    headers: {},
    body,
    timestamp: 0,
  }));
  const bareMs = await bareLoop(decoded);

  const t1 = process.hrtime.bigint();
  target = processed + ROUND;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await publish();
  await finished;
  const busMs = Number(process.hrtime.bigint() - t1) / 1e6;
  const consumeMs = busMs - publishMs;

  const us = (ms: number) => ((ms * 1000) / ROUND).toFixed(3);
  console.log(`\nPolybus core engine, ${ROUND.toLocaleString()} messages, one process, one core`);
  console.log(
    `  bare loop (handler awaited)         ${us(bareMs)} µs/msg  ${((ROUND / bareMs) * 1000).toFixed(0)} msg/s`,
  );
  console.log(
    `  publish only (encode + enqueue)     ${us(publishMs)} µs/msg  ${((ROUND / publishMs) * 1000).toFixed(0)} msg/s`,
  );
  console.log(
    `  bind + at-least-once, end to end    ${us(busMs)} µs/msg  ${((ROUND / busMs) * 1000).toFixed(0)} msg/s`,
  );
  console.log(
    `  consume side (end to end − publish) ${us(consumeMs)} µs/msg  ${((ROUND / consumeMs) * 1000).toFixed(0)} msg/s`,
  );
  console.log(`  engine + transport overhead per message vs bare loop: ${us(consumeMs - bareMs)} µs`);
  for (const r of rows) console.log(`  ${r}`);
  console.log(
    `  heap after each 100k (MB${gc ? ', after gc' : ', no gc: run with --expose-gc'}): ${heap.map((h) => h.toFixed(1)).join(' ')}`,
  );
  console.log(`  processed ${processed.toLocaleString()} messages in total (sink ${sink})`);
  await bus.stop();
  await publishOnly.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
