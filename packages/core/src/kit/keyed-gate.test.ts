import { KeyedGate, type GateJob } from './keyed-gate';

interface TestJob extends GateJob {
  readonly name: string;
  finish(): void;
}

function harness(concurrency: number, perKey: boolean) {
  const gate = new KeyedGate<TestJob>(concurrency, perKey);
  const started: string[] = [];
  const jobs = new Map<string, TestJob>();
  const push = (name: string, key?: string): void => {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const job: TestJob = {
      name,
      key,
      finish,
      run: () => {
        started.push(name);
        return done;
      },
    };
    jobs.set(name, job);
    gate.push(job);
  };
  const finish = async (name: string): Promise<void> => {
    jobs.get(name)!.finish();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { gate, started, push, finish };
}

describe('KeyedGate', () => {
  it('runs at most `concurrency` jobs, in arrival order', async () => {
    const { started, push, finish } = harness(2, false);
    ['a', 'b', 'c', 'd'].forEach((n) => push(n));
    expect(started).toEqual(['a', 'b']);
    await finish('b');
    expect(started).toEqual(['a', 'b', 'c']);
    await finish('a');
    expect(started).toEqual(['a', 'b', 'c', 'd']);
  });

  it('per key: one job of a key at a time, in order, while other keys overtake', async () => {
    const { started, push, finish } = harness(10, true);
    push('k1-1', 'k1');
    push('k1-2', 'k1');
    push('k2-1', 'k2');
    push('free');
    expect(started).toEqual(['k1-1', 'k2-1', 'free']);
    await finish('k1-1');
    expect(started).toEqual(['k1-1', 'k2-1', 'free', 'k1-2']);
  });

  it('per key and bounded: a key whose turn came waits for a slot like any other job', async () => {
    const { started, push, finish } = harness(1, true);
    push('a1', 'a');
    push('a2', 'a');
    push('b1', 'b');
    expect(started).toEqual(['a1']);
    await finish('a1');
    expect(started).toEqual(['a1', 'b1']); // b1 was waiting for the slot before a2's turn came
    await finish('b1');
    expect(started).toEqual(['a1', 'b1', 'a2']);
  });

  it('discard removes only jobs not started, and the key moves on past a discarded head', async () => {
    const { gate, started, push, finish } = harness(1, true);
    push('a1', 'a');
    push('b1', 'b'); // its turn, waiting for the slot
    push('b2', 'b'); // waiting for b1
    push('c1', 'c');
    const dropped = gate.discard((job) => job.name.startsWith('b'));
    expect(dropped.map((j) => j.name).sort()).toEqual(['b1', 'b2']);
    await finish('a1');
    expect(started).toEqual(['a1', 'c1']);
    push('b3', 'b');
    await finish('c1');
    expect(started).toEqual(['a1', 'c1', 'b3']);
  });

  it('idle resolves once no job runs, also when a job rejects', async () => {
    const gate = new KeyedGate<GateJob>(2, false);
    let reject!: (e: Error) => void;
    gate.push({ key: undefined, run: () => new Promise<void>((_, r) => (reject = r)) });
    let idle = false;
    void gate.idle().then(() => (idle = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    reject(new Error('handler failed'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(true);
  });
});
