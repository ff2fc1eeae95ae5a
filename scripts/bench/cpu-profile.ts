// Reads a V8 .cpuprofile and prints where the time went: the top self-time functions, those in
// packages/*/src (Polybus's own code) apart, and Polybus's self time by file. Used by the profile-*
// scripts.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}

export function report(file: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[] };
  const self = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    total += node.hitCount;
    if (functionName === '(idle)') idle += node.hitCount;
    const where = url ? `${relative(process.cwd(), url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + node.hitCount);
  }
  const busy = total - idle;
  const rows = [...self.entries()].sort((a, b) => b[1] - a[1]);
  const pct = (n: number, of: number) => ((100 * n) / of).toFixed(1).padStart(5);
  console.log(`\n${file}: ${total} samples, ${busy} not idle`);
  console.log('top 30 self time (share of non-idle samples):');
  for (const [key, hits] of rows.slice(0, 30)) console.log(`  ${pct(hits, busy)} %  ${key}`);
  const polybus = rows.filter(([key]) => /packages\/[^/]+\/src\//.test(key));
  const polybusTotal = polybus.reduce((sum, [, hits]) => sum + hits, 0);
  console.log(`\nPolybus code (packages/*/src), ${pct(polybusTotal, busy)} % of non-idle in all; top 25:`);
  for (const [key, hits] of polybus.slice(0, 25)) console.log(`  ${pct(hits, busy)} %  ${key}`);
  const byFile = new Map<string, number>();
  for (const [key, hits] of polybus) {
    const file = /(packages\/[^ ]+):\d+$/.exec(key)?.[1] ?? key;
    byFile.set(file, (byFile.get(file) ?? 0) + hits);
  }
  console.log('\nPolybus self time by file:');
  for (const [file, hits] of [...byFile.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`  ${pct(hits, busy)} %  ${file}`);
}
