// The packages as a registry user gets them: scripts/packed-app/run.ts packs each package, installs
// the tarballs with npm in a temp folder, compiles the README example and an @polybus/inversify
// service with `tsc --strict` (ESM and CommonJS under node16, nodenext, node10, bundler) and runs them on
// memory and on every broker. This test fails when any of those steps fails, and says which.
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

function runScript(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', require.resolve('tsx', { paths: [ROOT] }), 'scripts/packed-app/run.ts'],
      { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 540_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(killer);
      resolve({ code, output });
    });
  });
}

describe('a fresh app from the packed packages', () => {
  it('packs, installs, compiles under tsc --strict (ESM, CommonJS, bundler) and runs the README example on every broker', async () => {
    const { code, output } = await runScript();
    // The whole log on failure: each FAIL line names the step, the variant and the broker.
    if (code !== 0) throw new Error(`scripts/packed-app/run.ts exited ${code}\n${output}`);
    console.log(output);
    expect(output).toMatch(/^PASS packed app/m);
  }, 600_000);
});
