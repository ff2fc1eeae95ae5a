import { memoryTransport } from '@polybus/core';
import { runConformanceSuite } from '@polybus/conformance';

runConformanceSuite({
  name: 'memory',
  // One namespace per suite run keeps it apart from other test files in the same worker.
  createTransport: () =>
    memoryTransport({ namespace: `conformance-${process.pid}`, visibilityTimeoutMs: 2_000 }),
  redeliveryMs: 2_000,
  waitMs: 10_000,
});
