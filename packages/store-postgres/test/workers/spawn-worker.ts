import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../../..');

/** Runs a TypeScript worker from sources in its own process, so the test can SIGKILL it. */
export function spawnWorker(file: string, args: string[]): ChildProcess & { output: () => string } {
  const child = spawn(
    process.execPath,
    [
      '--conditions=polybus-source',
      '--import',
      require.resolve('tsx', { paths: [ROOT] }),
      join(__dirname, file),
      ...args,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: process.env },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return Object.assign(child, { output: () => output });
}

export function exited(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
}
