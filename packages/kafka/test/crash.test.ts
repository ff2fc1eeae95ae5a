import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createBus, silentLogger } from '@polybus/core';
import { BROKERS, caughtUp, createTopic, readAll, testTransport, unique, waitFor } from './helpers';

const ROOT = path.resolve(__dirname, '../../..');
const WORKER = path.join(__dirname, 'fixtures/crash-worker.ts');

interface Worker {
  child: ChildProcess;
  processed: number[];
  ready: Promise<void>;
}

function startWorker(mode: string, input: string, output: string, group: string): Worker {
  const child = spawn(
    process.execPath,
    [
      '--conditions=polybus-source',
      '--import',
      require.resolve('tsx', { paths: [ROOT] }),
      WORKER,
      mode,
      input,
      output,
      group,
      BROKERS.join(','),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const processed: number[] = [];
  let buffer = '';
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      if (line === 'ready') onReady();
      else if (line.startsWith('processed ')) processed.push(Number(line.slice(10)));
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  return { child, processed, ready };
}

function kill(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    if (worker.child.exitCode !== null || worker.child.signalCode !== null) return resolve();
    worker.child.once('exit', () => resolve());
    worker.child.kill('SIGKILL');
  });
}

async function publishInputs(topic: string, total: number): Promise<void> {
  const bus = createBus({ transport: testTransport(), logger: silentLogger });
  await bus.publishBatch(
    Array.from({ length: total }, (_, n) => ({ topic, body: { n }, key: `k${n % 17}` })),
  );
  await bus.stop();
}

const workers: Worker[] = [];
afterAll(async () => {
  await Promise.all(workers.map(kill));
});

describe('kafka consumer processes killed with SIGKILL', () => {
  it('at-least-once: a consumer killed mid-batch loses nothing; a second process finishes the work', async () => {
    const input = unique('crash-alo');
    const group = unique('crash-alo-g');
    const total = 600;
    await createTopic(input, 3);
    await publishInputs(input, total);

    const first = startWorker('at-least-once', input, '', group);
    workers.push(first);
    await first.ready;
    await waitFor(() => first.processed.length >= 100, 60_000, 'the first worker to process 100');
    await kill(first);
    expect(first.processed.length).toBeLessThan(total);

    const second = startWorker('at-least-once', input, '', group);
    workers.push(second);
    const seen = () => new Set([...first.processed, ...second.processed]);
    await waitFor(() => seen().size === total, 90_000, 'every input processed by one of the workers');
    await kill(second);
    const missing = Array.from({ length: total }, (_, n) => n).filter((n) => !seen().has(n));
    expect(missing).toEqual([]);
  }, 180_000);

  it('exactly-once: a pipeline whose worker is killed writes every output exactly once', async () => {
    const input = unique('crash-eo-in');
    const output = unique('crash-eo-out');
    const group = unique('crash-eo-g');
    const total = 1_000;
    await createTopic(input, 3);
    await createTopic(output, 3);
    await publishInputs(input, total);

    const first = startWorker('exactly-once', input, output, group);
    workers.push(first);
    await first.ready;
    await waitFor(() => first.processed.length >= 200, 60_000, 'the first worker to transform 200');
    await kill(first);
    expect(first.processed.length).toBeLessThan(total);

    const second = startWorker('exactly-once', input, output, group);
    workers.push(second);
    // Every input offset committed means every transaction of the pipeline has ended.
    await waitFor(() => caughtUp(group, input), 90_000, 'the pipeline to commit every input');
    await kill(second);
    // Read committed: outputs of the killed worker's open transaction must never show up.
    const settled = await readAll(output, (r) => r.length >= total, { timeoutMs: 30_000, settleMs: 1_500 });
    const counts = new Map<number, number>();
    for (const r of settled) {
      const n = (JSON.parse(r.value!.toString()) as { n: number }).n;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    const missing = Array.from({ length: total }, (_, n) => n).filter((n) => !counts.has(n));
    const duplicated = [...counts].filter(([, c]) => c > 1).map(([n]) => n);
    expect({ missing, duplicated, records: settled.length }).toEqual({
      missing: [],
      duplicated: [],
      records: total,
    });
  }, 180_000);

  it('exactly-once + Redis store under transient + poison + duplicate publishes + two consumers, one killed: every output once, read committed', async () => {
    const input = unique('crash-cf-in');
    const output = unique('crash-cf-out');
    const group = unique('crash-cf-g');
    const total = 600;
    await createTopic(input, 3);
    await createTopic(output, 3);
    // every input published twice under one idempotency key (a producer retry)
    const publisher = createBus({ transport: testTransport(), logger: silentLogger });
    for (const copy of [0, 1])
      await publisher.publishBatch(
        Array.from({ length: total }, (_, n) => ({
          topic: input,
          body: { n, copy },
          key: `k${n % 17}`,
          idempotencyKey: `n-${n}`,
        })),
      );
    await publisher.stop();

    const first = startWorker('combined', input, output, group);
    const second = startWorker('combined', input, output, group);
    workers.push(first, second);
    await Promise.all([first.ready, second.ready]);
    await waitFor(() => first.processed.length >= 100, 90_000, 'the first worker to transform 100');
    await kill(first);
    const third = startWorker('combined', input, output, group);
    workers.push(third);
    await waitFor(() => caughtUp(group, input), 120_000, 'the pipeline to commit every input');
    await Promise.all([kill(second), kill(third)]);

    const good = Array.from({ length: total }, (_, n) => n).filter((n) => n % 10 !== 3);
    const settled = await readAll(output, (r) => r.length >= good.length, {
      timeoutMs: 30_000,
      settleMs: 1_500,
    });
    const counts = new Map<number, number>();
    for (const r of settled) {
      const n = (JSON.parse(r.value!.toString()) as { n: number }).n;
      counts.set(n, (counts.get(n) ?? 0) + 1);
    }
    const dead = await readAll(`${input}.dlq`, (r) => r.length >= total / 10, { timeoutMs: 30_000 });
    const deadNs = new Set(dead.map((r) => (JSON.parse(r.value!.toString()) as { n: number }).n));
    expect({
      missing: good.filter((n) => !counts.has(n)),
      duplicated: [...counts].filter(([, c]) => c > 1).map(([n]) => n),
      poisonOutputs: [...counts.keys()].filter((n) => n % 10 === 3),
      poisonNotDeadLettered: Array.from({ length: total }, (_, n) => n).filter(
        (n) => n % 10 === 3 && !deadNs.has(n),
      ),
    }).toEqual({ missing: [], duplicated: [], poisonOutputs: [], poisonNotDeadLettered: [] });
  }, 300_000);
});
