// Shared by the adapters' benchmark scripts (packages/*/bench/bench.ts): one clock, one CPU meter.

/** Elapsed milliseconds, and this process's CPU microseconds per message, over the same window. */
export interface Measured {
  readonly ms: number;
  readonly cpu: number;
}

/**
 * Starts a clock and a CPU meter together; `read` stops neither. CPU time is the whole process's
 * (client library and Polybus; the broker is another process), divided by `messages`. It moves
 * less than throughput with the broker's share of a shared machine.
 */
export function meter(messages: number): { read(): Measured } {
  const started = performance.now();
  const cpu = process.cpuUsage();
  return {
    read() {
      const used = process.cpuUsage(cpu);
      return { ms: performance.now() - started, cpu: (used.user + used.system) / messages };
    },
  };
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
