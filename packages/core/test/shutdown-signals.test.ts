import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../../..');
const WORKER = join(__dirname, 'fixtures/signal-worker.ts');

interface Ended {
  output: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs the worker, sends `signals` (ms after its handler started), and resolves when it ends. */
function runWorker(env: Record<string, string>, signals: Array<[NodeJS.Signals, number]>): Promise<Ended> {
  const child = spawn(
    process.execPath,
    ['--conditions=polybus-source', '--import', require.resolve('tsx', { paths: [ROOT] }), WORKER],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } },
  );
  const output: string[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop()!;
    for (const line of lines) {
      output.push(line);
      if (line === 'started')
        for (const [signal, afterMs] of signals) setTimeout(() => child.kill(signal), afterMs);
    }
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve({ output, code, signal })));
}

describe('createBus({ shutdownSignals: true })', () => {
  it('on SIGTERM drains the handler in flight, then the process ends by the signal as it would have', async () => {
    const ended = await runWorker({ HANDLER_MS: '800' }, [['SIGTERM', 50]]);
    expect(ended.output).toEqual(['started', 'finished']);
    expect(ended.signal).toBe('SIGTERM');
  }, 30_000);

  it('leaves the exit to an application that listens for the signal itself', async () => {
    const ended = await runWorker({ HANDLER_MS: '800', APP_LISTENER: '1' }, [['SIGTERM', 50]]);
    expect(ended.output).toEqual(['started', 'app listener', 'finished', 'bus stopped']);
    // Nothing left to do once the bus stopped: the process ends on its own.
    expect({ code: ended.code, signal: ended.signal }).toEqual({ code: 0, signal: null });
  }, 30_000);

  it('a second signal while draining ends the process at once', async () => {
    const began = Date.now();
    const ended = await runWorker({ HANDLER_MS: '20000' }, [
      ['SIGINT', 50],
      ['SIGINT', 500],
    ]);
    expect(ended.output).toEqual(['started']);
    expect(ended.signal).toBe('SIGINT');
    expect(Date.now() - began).toBeLessThan(15_000);
  }, 30_000);
});
