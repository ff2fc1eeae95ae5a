// Profiles Polybus's consume path on one broker: where a delivery's CPU goes.
//   BENCH_PROFILE_BROKER=redis npx tsx --conditions=polybus-source scripts/bench/profile-consume.ts
// Env: BENCH_PROFILE_BROKER (redis), BENCH_MESSAGES (20000 per round), BENCH_ROUNDS (6).
// This process fills a fresh topic per round with `bus.publishBatch` (as consume.ts does for its
// Polybus column); a worker started with `node --cpu-prof` consumes each round as consume.ts's
// Polybus column does (createBus({ url }), bind with concurrency 500, start, until N seen, stop).
// The profile lands in bench-results/profile/; the worker's top self-time functions are printed,
// those in packages/*/src marked, with their share of all samples and of the consume windows.
import { fork } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createBus, silentLogger } from '@polybus/core';
import { body, name, URLS, type BrokerName } from './common';
import { report } from './cpu-profile';

const broker = (process.env.BENCH_PROFILE_BROKER ?? 'redis') as BrokerName;
const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const DIR = join(process.cwd(), 'bench-results', 'profile');

async function consume(topic: string): Promise<{ ms: number }> {
  const bus = createBus({ url: URLS[broker], logger: silentLogger });
  let seen = 0;
  let started = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  bus.bind(
    topic,
    async () => {
      if (seen++ === 0) started = performance.now();
      if (seen === N) finish();
    },
    { group: 'bench', concurrency: 500 },
  );
  await bus.start();
  await done;
  const ms = performance.now() - started;
  await bus.stop();
  return { ms };
}

async function main(): Promise<void> {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const child = fork(__filename, [], {
    execArgv: [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${DIR}`],
    env: { ...process.env, BENCH_PROFILE_WORKER: '1' },
  });
  const publisher = createBus({ url: URLS[broker], logger: silentLogger });
  const ask = (topic: string) =>
    new Promise<{ ms: number }>((resolve) => {
      child.once('message', (reply) => resolve(reply as { ms: number }));
      child.send(topic);
    });
  const topics: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const topic = name(`profile-${broker}`);
    topics.push(topic, `${topic}.dlq`);
    if (broker === 'rabbitmq' || broker === 'sqs') {
      // the group's queue must exist before the fill (RabbitMQ) / as the consumer makes it (SQS)
      const setup = createBus({ url: URLS[broker], logger: silentLogger });
      setup.bind(topic, async () => undefined, { group: 'bench' });
      await setup.start();
      await setup.stop();
    }
    for (let from = 0; from < N; from += 1000) {
      const entries = [];
      for (let i = from; i < Math.min(N, from + 1000); i++) entries.push({ topic, body: body(i) });
      await publisher.publishBatch(entries);
    }
    const { ms } = await ask(topic);
    console.log(`round ${round}: ${Math.round(N / (ms / 1000))} msg/s`);
  }
  await publisher.stop();
  await new Promise<void>((resolve) => (child.on('exit', () => resolve()), child.disconnect()));
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.cpuprofile'))) report(join(DIR, file));
  if (broker === 'redis') {
    const redis = new Redis(URLS.redis);
    await redis.del(...topics);
    redis.disconnect();
  } else console.log(`(topics bench-profile-${broker}-* are left on the broker)`);
}

if (process.env.BENCH_PROFILE_WORKER === '1') {
  process.on('message', (topic: string) => void consume(topic).then((r) => process.send?.(r)));
  process.on('disconnect', () => process.exit(0));
} else
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
