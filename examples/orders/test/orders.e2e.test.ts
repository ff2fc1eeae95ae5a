import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { brokerCases, ROOT } from './brokers';

const EXAMPLE = path.resolve(__dirname, '..');

// What the example must print on every backend: the gateway declines above 500.00, and every
// order is closed by exactly one notification.
const EXPECTED = [
  'o-1 ada@example.com 1250 paid notices=1',
  'o-2 grace@example.com 99900 declined notices=1',
  'o-3 linus@example.com 42000 paid notices=1',
  'o-4 barbara@example.com 50001 declined notices=1',
  'o-5 ken@example.com 300 paid notices=1',
];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `src/main.ts` exactly as `pnpm start` does, only the URL (and a fresh run id) differing. */
function runExample(url: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=polybus-source', '--import', require.resolve('tsx', { paths: [ROOT] }), 'src/main.ts'],
      {
        cwd: EXAMPLE,
        env: {
          // ElasticMQ ignores credentials but the AWS SDK insists on finding some.
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          ...process.env,
          POLYBUS_URL: url,
          ORDERS_RUN_ID: randomUUID().slice(0, 12),
          ORDERS_TIMEOUT_MS: '90000',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

const outputs = new Map<string, string[]>();

describe('examples/orders end to end, unchanged on every backend', () => {
  for (const c of brokerCases()) {
    if (c.skip !== undefined) {
      it.skip(`${c.name}: ${c.skip}`, () => undefined);
      continue;
    }
    it(`${c.name} (${c.url}) prints the same orders summary`, async () => {
      const run = await runExample(c.url);
      const lines = run.stdout.split('\n').filter((l) => l.trim() !== '');
      if (run.code !== 0 || lines.join('\n') !== EXPECTED.join('\n'))
        throw new Error(
          `example on ${c.url} exited ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`,
        );
      outputs.set(c.name, lines);
      // Identical to every backend run before it in this file, memory first.
      for (const theirs of outputs.values())
        expect({ backend: c.name, lines }).toEqual({ backend: c.name, lines: theirs });
      expect(lines).toEqual(EXPECTED);
    }, 180_000);
  }
});
