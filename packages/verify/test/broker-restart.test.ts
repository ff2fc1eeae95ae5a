import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runWorkload } from '@polybus/verify';

// --broker-restart-cmd against a scratch Redis of this test's own (a free port, AOF with fsync on
// every write so the stream survives the restart): the command shuts it down, waits 3 s, starts
// it again. Needs redis-server and redis-cli on PATH (scripts/brokers installs them).
const hasRedis = spawnSync('sh', ['-c', 'command -v redis-server && command -v redis-cli']).status === 0;
const describeWithRedis = hasRedis ? describe : describe.skip;

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });

describeWithRedis('broker-restart on a scratch Redis (ci profile)', () => {
  jest.setTimeout(90_000);
  let port: number;
  let dir: string;
  let start: string;

  beforeAll(async () => {
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'polybus-verify-redis-'));
    start = `redis-server --port ${port} --bind 127.0.0.1 --daemonize yes --appendonly yes --appendfsync always --save '' --dir ${dir} --pidfile ${dir}/redis.pid --logfile ${dir}/redis.log`;
    spawnSync('sh', ['-c', start]);
    for (let i = 0; i < 50; i++) {
      if (
        spawnSync('redis-cli', ['-p', String(port), 'ping'])
          .stdout?.toString()
          .trim() === 'PONG'
      )
        return;
      await sleep(100);
    }
    throw new Error(`the scratch redis-server on ${port} did not answer`);
  });

  afterAll(async () => {
    await new Promise((resolve) =>
      spawn('redis-cli', ['-p', String(port), 'shutdown', 'nosave']).on('close', resolve),
    );
  });

  it('loses nothing across the restart and measures the recovery', async () => {
    const result = await runWorkload(
      {
        url: `redis://127.0.0.1:${port}?claimIdleMs=2000`,
        faults: [],
        brokerRestartCmd: `redis-cli -p ${port} shutdown; sleep 3; ${start}`,
        seed: 9,
      },
      'ci',
    );
    expect(result.options.faults).toEqual(['broker-restart']);
    const [restart] = result.faults;
    expect(restart).toMatchObject({ fault: 'broker-restart' });
    // The command took the 3 s sleep at least, and work resumed after it.
    expect(restart.durationMs).toBeGreaterThanOrEqual(3_000);
    expect(restart.recoveryMs).toBeDefined();
    expect(restart.publishRecoveryMs).toBeDefined();
    expect(result.settled).toBe(true);
    expect(result.counts.acknowledged).toBe(300);
    expect(result.lost).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('gives up with the output when the command fails', async () => {
    await expect(
      runWorkload(
        {
          url: `redis://127.0.0.1:${port}`,
          faults: [],
          brokerRestartCmd: 'echo no such broker >&2; exit 3',
          seed: 9,
          messages: 60,
        },
        'ci',
      ),
    ).rejects.toThrow(/--broker-restart-cmd exited with 3: no such broker/);
  });
});
