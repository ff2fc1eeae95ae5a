import type { BatchEntry, PublishReceipt } from '@polybus/core';

/** A relay target that records what it is asked to publish; `failNext` / `failRate` make calls fail whole. */
export function recordingTarget(options: { failRate?: number } = {}) {
  const published: BatchEntry[] = [];
  let failNext = 0;
  let calls = 0;
  return {
    published,
    get calls() {
      return calls;
    },
    failNext(n: number) {
      failNext = n;
    },
    async publishBatch(entries: readonly BatchEntry[]): Promise<PublishReceipt[]> {
      calls++;
      if (failNext > 0) {
        failNext--;
        throw new Error('broker down (injected)');
      }
      if (options.failRate && Math.random() < options.failRate) throw new Error('publish failed (injected)');
      published.push(...entries);
      await new Promise((r) => setImmediate(r));
      return entries.map((e) => ({ id: e.id!, topic: e.topic }));
    },
  };
}
