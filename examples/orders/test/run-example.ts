import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './brokers';

const EXAMPLE = path.resolve(__dirname, '..');

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `file` of this example as `pnpm start` does (tsx from the sources), with `POLYBUS_URL` and `env`. */
export function runExample(file: string, url: string, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=polybus-source', '--import', require.resolve('tsx', { paths: [ROOT] }), file],
      {
        cwd: EXAMPLE,
        env: {
          // ElasticMQ ignores credentials but the AWS SDK insists on finding some.
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          ...process.env,
          ...env,
          POLYBUS_URL: url,
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
