// Memory over a million messages as users call it: is the heap flat, or does something leak?
//   BENCH_ONLY=memory pnpm bench          (memory://, Kafka, Redis Streams, RabbitMQ, SQS)
//   BENCH_ONLY=memory BENCH_BROKERS=kafka,memory pnpm bench
// Env: BENCH_MEMORY_MESSAGES (1,000,000), BENCH_MEMORY_SQS_MESSAGES (50,000: ElasticMQ keeps every
// message in its small heap, so SQS runs fewer, each step's messages deleted as they are consumed).
// One worker process per broker (node --expose-gc, which run.ts passes): `bus.bind(topic, async
// handler, { group, concurrency: 500 })` with the at-least-once defaults, started, then ten steps of
// a tenth of the messages each, published as `bus.publish` calls a window of 1000 concurrent ones at
// a time while the consumer runs. After each step, once the handler has seen every message so far,
// a full GC and `process.memoryUsage().heapUsed`: a leak shows as growth from step to step. Redis
// streams are trimmed between steps (XTRIM MAXLEN 0, every entry acked by then), so the server
// does not hold a million entries; it changes nothing in the client. Written to bench-results/memory.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { createBus, silentLogger } from '@polybus/core';
import { body, BROKER_NAMES, loadAverage, name, URLS, type BrokerName } from './common';
import { isWorker, serve, startWorker } from './isolate';

type Target = BrokerName | 'memory';
const TARGETS: readonly Target[] = ['memory', ...BROKER_NAMES];
const TOTAL = Number(process.env.BENCH_MEMORY_MESSAGES ?? 1_000_000);
const SQS_TOTAL = Number(process.env.BENCH_MEMORY_SQS_MESSAGES ?? 50_000);
const STEPS = 10;
const WINDOW = 1000;
const CONCURRENCY = 500;
const GROUP = 'bench';

interface Step {
  /** Messages published and consumed so far. */
  messages: number;
  /** Heap used after a full GC, MB. */
  heapMb: number;
  /** Resident set size, MB (includes code, buffers and memory V8 has not returned). */
  rssMb: number;
  /** msg/s over this step, publish and consume overlapping. */
  perSecond: number;
}

/** `global.gc` when node ran with --expose-gc, else the same function made available now. */
function fullGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function overMessages({ target, total }: { target: Target; total: number }): Promise<Step[]> {
  const gc = fullGc();
  const url = target === 'memory' ? 'memory://bench-memory' : URLS[target];
  const topic = name(`memory-${target}`);
  const kafka =
    target === 'kafka'
      ? new Kafka({ clientId: 'bench-memory', brokers: ['127.0.0.1:9092'], logLevel: logLevel.NOTHING })
      : undefined;
  if (kafka) {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
  }
  const redis = target === 'redis' ? new Redis(URLS.redis) : undefined;

  const bus = createBus({ url, logger: silentLogger });
  let seen = 0;
  let wanted = 0;
  let reached: () => void = () => undefined;
  bus.bind(topic, async () => void (++seen === wanted && reached()), {
    group: GROUP,
    concurrency: CONCURRENCY,
  });
  await bus.start();

  const steps: Step[] = [];
  const step = Math.ceil(total / STEPS);
  let published = 0;
  gc();
  console.log(
    `  ${target.padEnd(8)} ${'0'.padStart(9)}  heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MB (started)`,
  );
  while (published < total) {
    const started = performance.now();
    const end = Math.min(total, published + step);
    wanted = end;
    const consumed = new Promise<void>((resolve) => (reached = resolve));
    for (let from = published; from < end; from += WINDOW) {
      const calls = [];
      for (let i = from; i < Math.min(end, from + WINDOW); i++) calls.push(bus.publish(topic, body(i)));
      await Promise.all(calls);
    }
    published = end;
    if (seen < wanted) await consumed;
    const ms = performance.now() - started;
    if (redis) await redis.xtrim(topic, 'MAXLEN', 0);
    gc();
    const memory = process.memoryUsage();
    const figures: Step = {
      messages: end,
      heapMb: Math.round((memory.heapUsed / 2 ** 20) * 10) / 10,
      rssMb: Math.round(memory.rss / 2 ** 20),
      perSecond: Math.round((end - (steps.at(-1)?.messages ?? 0)) / (ms / 1000)),
    };
    steps.push(figures);
    console.log(
      `  ${target.padEnd(8)} ${String(end).padStart(9)}  heap ${figures.heapMb.toFixed(1)} MB  rss ${figures.rssMb} MB  ${figures.perSecond} msg/s`,
    );
  }
  await bus.stop();
  if (redis) (await redis.del(topic, `${topic}.dlq`), redis.disconnect());
  if (kafka) {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
  return steps;
}

async function main(): Promise<void> {
  const chosen = (process.env.BENCH_BROKERS ?? TARGETS.join(','))
    .split(',')
    .filter((t): t is Target => (TARGETS as readonly string[]).includes(t));
  const results: Record<string, { messages: number; steps: Step[] }> = {};
  const loads: string[] = [`start ${loadAverage()}`];
  console.log(
    `memory: heap used after a full GC at every tenth of the messages, publish and consume through Polybus; load ${loadAverage()}`,
  );
  for (const target of chosen) {
    const total = target === 'sqs' ? SQS_TOTAL : TOTAL;
    const worker = startWorker(__filename);
    try {
      results[target] = {
        messages: total,
        steps: await worker.run<Step[]>('overMessages', { target, total }),
      };
    } finally {
      worker.close();
    }
    loads.push(`after ${target} ${loadAverage()}`);
    mkdirSync('bench-results', { recursive: true });
    writeFileSync(
      'bench-results/memory.json',
      JSON.stringify({ date: new Date().toISOString(), loadAverage: loads, results }, null, 2),
    );
  }
  console.log('\nheap MB after GC, per tenth:');
  for (const [target, r] of Object.entries(results))
    console.log(`  ${target.padEnd(8)} ${r.messages}: ${r.steps.map((s) => s.heapMb.toFixed(1)).join(' ')}`);
  console.log(`load average (1, 5, 15 min): ${loads.join('; ')}`);
}

if (isWorker()) serve({ overMessages });
else
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
