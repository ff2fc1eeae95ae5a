import type { ConformanceCase } from './case';
import { combinedFaultCases } from './cases/combined-faults';
import { deliveryCases } from './cases/delivery';
import { failureCases } from './cases/failures';
import { groupCases } from './cases/groups';
import { guaranteeCases } from './cases/guarantees';
import { lifecycleCases } from './cases/lifecycle';
import { transportContractCases } from './cases/transport-contract';
import { Harness } from './harness';
import type { ConformanceOptions } from './options';

export const conformanceCases: readonly ConformanceCase[] = [
  ...deliveryCases,
  ...failureCases,
  ...groupCases,
  ...lifecycleCases,
  ...guaranteeCases,
  ...combinedFaultCases,
  ...transportContractCases,
];

/**
 * Defines the universal suite as Jest tests. Call it at the top level of a test file with a factory
 * for the transport under test. A case that does not apply is skipped with its reason in its title.
 */
export function runConformanceSuite(options: ConformanceOptions): void {
  describe(`conformance: ${options.name}`, () => {
    const capabilities = options.createTransport().capabilities;
    for (const c of conformanceCases) {
      const reason = options.skip?.[c.name] ?? c.requires?.(capabilities);
      if (reason) {
        it.skip(`${c.name} (skipped: ${reason})`, () => undefined);
        continue;
      }
      it(
        c.name,
        async () => {
          const h = new Harness(options);
          try {
            await c.run(h);
          } finally {
            await h.cleanup();
          }
        },
        c.timeoutMs ?? 120_000,
      );
    }
  });
}
