import type { TransportCapabilities } from '@polybus/core';
import type { Harness } from './harness';

/** One conformance case. `requires` returns why the case does not apply to these capabilities. */
export interface ConformanceCase {
  readonly name: string;
  readonly requires?: (caps: TransportCapabilities) => string | undefined;
  /** Jest timeout for the case. Default 120 000 ms. */
  readonly timeoutMs?: number;
  run(h: Harness): Promise<void>;
}

export function waitMs(h: Harness): number {
  return h.options.waitMs ?? 30_000;
}
