// `pnpm bench`: publish.ts, then consume.ts, each in a process of its own (same Node flags).
// BENCH_ONLY=publish|consume runs one of them; the other BENCH_* variables pass through.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const only = process.env.BENCH_ONLY;
if (only !== undefined && only !== 'publish' && only !== 'consume') {
  console.error(`BENCH_ONLY must be publish or consume, got '${only}'`);
  process.exit(2);
}
for (const script of ['publish', 'consume']) {
  if (only !== undefined && only !== script) continue;
  const run = spawnSync(process.execPath, [...process.execArgv, join(__dirname, `${script}.ts`)], {
    stdio: 'inherit',
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
