// `pnpm bench`: publish.ts, then consume.ts, each in a process of its own (same Node flags).
// BENCH_ONLY=publish|consume runs one of them; BENCH_ONLY=memory runs memory.ts instead (heap
// after a full GC over a million messages per broker, with --expose-gc). The other BENCH_*
// variables pass through.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const only = process.env.BENCH_ONLY;
if (only !== undefined && only !== 'publish' && only !== 'consume' && only !== 'memory') {
  console.error(`BENCH_ONLY must be publish, consume or memory, got '${only}'`);
  process.exit(2);
}
const scripts = only === undefined ? ['publish', 'consume'] : [only];
for (const script of scripts) {
  const flags = script === 'memory' ? [...process.execArgv, '--expose-gc'] : process.execArgv;
  const run = spawnSync(process.execPath, [...flags, join(__dirname, `${script}.ts`)], {
    stdio: 'inherit',
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}
