// Profiles Polybus's publish path on one broker as users call it: where a publish's CPU goes.
//   BENCH_PROFILE_BROKER=kafka npx tsx --conditions=polybus-source scripts/bench/profile-publish.ts
// Env: BENCH_PROFILE_BROKER (kafka), BENCH_MESSAGES (20000 per round), BENCH_ROUNDS (5),
// BENCH_WINDOW (1000 concurrent calls). A worker started with `node --cpu-prof` publishes each
// round as publish.ts's "publish" column does (createBus({ url }), N × `bus.publish` a window of
// concurrent calls at a time, defaults). The profile lands in bench-results/profile/; its top
// self-time functions are printed, those in packages/*/src marked.
import { fork } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createBus, silentLogger } from '@polybus/core';
import { body, name, URLS, type BrokerName } from './common';
import { report } from './cpu-profile';

const broker = (process.env.BENCH_PROFILE_BROKER ?? 'kafka') as BrokerName;
const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WINDOW = Number(process.env.BENCH_WINDOW ?? 1000);
const DIR = join(process.cwd(), 'bench-results', 'profile');

async function publishAll(): Promise<void> {
  const bus = createBus({ url: URLS[broker], logger: silentLogger });
  for (let round = 0; round < ROUNDS; round++) {
    const topic = name(`profile-publish-${broker}`);
    await bus.publish(topic, body(-1)); // the topic exists and the bus is connected before the timing
    const started = performance.now();
    for (let from = 0; from < N; from += WINDOW) {
      const calls = [];
      for (let i = from; i < Math.min(N, from + WINDOW); i++) calls.push(bus.publish(topic, body(i)));
      await Promise.all(calls);
    }
    const ms = performance.now() - started;
    console.log(`round ${round}: ${Math.round(N / (ms / 1000))} msg/s`);
  }
  await bus.stop();
}

async function main(): Promise<void> {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const child = fork(__filename, [], {
    execArgv: [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${DIR}`],
    env: { ...process.env, BENCH_PROFILE_WORKER: '1' },
  });
  await new Promise<void>((resolve) => child.on('exit', () => resolve()));
  for (const file of readdirSync(DIR).filter((f) => f.endsWith('.cpuprofile'))) report(join(DIR, file));
  console.log(`(topics bench-profile-publish-${broker}-* are left on the broker)`);
}

if (process.env.BENCH_PROFILE_WORKER === '1') void publishAll().then(() => process.exit(0));
else void main();
