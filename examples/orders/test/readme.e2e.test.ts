import { readFileSync } from 'node:fs';
import path from 'node:path';
import { brokerCases, ROOT } from './brokers';
import { runExample } from './run-example';

const FILE = 'src/readme.mts';

describe("the README's first example, unchanged on every backend", () => {
  it('is this file, word for word', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(readFileSync(path.join(__dirname, '..', FILE), 'utf8'));
  });

  for (const c of brokerCases()) {
    if (c.skip !== undefined) {
      it.skip(`${c.name}: ${c.skip}`, () => undefined);
      continue;
    }
    it(`${c.name} (${c.url}) handles the order, requests the payment and exits 0`, async () => {
      const run = await runExample(FILE, c.url);
      if (run.code !== 0 || !run.stdout.includes('payment requested for o-1'))
        throw new Error(
          `README example on ${c.url} exited ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`,
        );
      expect(run.stdout.trim().split('\n')).toContain('payment requested for o-1');
    }, 180_000);
  }
});
