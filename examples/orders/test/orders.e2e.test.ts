import { randomUUID } from 'node:crypto';
import { brokerCases } from './brokers';
import { runExample } from './run-example';

// What the example must print on every backend: the gateway declines above 500.00, and every
// order is closed by exactly one notification.
const EXPECTED = [
  'o-1 ada@example.com 1250 paid notices=1',
  'o-2 grace@example.com 99900 declined notices=1',
  'o-3 linus@example.com 42000 paid notices=1',
  'o-4 barbara@example.com 50001 declined notices=1',
  'o-5 ken@example.com 300 paid notices=1',
];

const outputs = new Map<string, string[]>();

describe('examples/orders end to end, unchanged on every backend', () => {
  for (const c of brokerCases()) {
    if (c.skip !== undefined) {
      it.skip(`${c.name}: ${c.skip}`, () => undefined);
      continue;
    }
    it(`${c.name} (${c.url}) prints the same orders summary`, async () => {
      const run = await runExample('src/main.ts', c.url, {
        ORDERS_RUN_ID: randomUUID().slice(0, 12),
        ORDERS_TIMEOUT_MS: '90000',
      });
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
