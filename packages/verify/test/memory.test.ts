import { ConfigurationError } from '@polybus/core';
import { runWorkload } from '@polybus/verify';
import { main } from '../src/cli';

// memory:// in the ci profile. The memory broker lives in the process that created it (one
// namespace map per process), so forked workers could not share it: the runner runs the same
// publisher and consumer roles inside its own process, and refuses the process and network faults
// (nothing to SIGKILL, no connection to cut). Duplicate publishes, transient and permanent
// failures and poison messages still go through the whole pipeline.
describe('runWorkload --profile ci on memory://', () => {
  jest.setTimeout(90_000);

  it('loses nothing at-least-once, every seeded failure reaching the dead-letter topic', async () => {
    const result = await runWorkload({ url: 'memory://verify-alo', seed: 4 }, 'ci');
    expect(result.options.faults).toEqual([]);
    expect(result.settled).toBe(true);
    expect(result.counts.acknowledged).toBe(300);
    expect(result.counts.publishAttempts).toBeGreaterThan(result.counts.published); // duplicate publishes
    expect(result.counts.deadLettered).toBeGreaterThan(0);
    expect(result.counts.processed + result.counts.deadLettered).toBe(300);
    expect(result.lost).toEqual([]);
    expect(result.unexpected).toEqual([]);
    expect(result.ok).toBe(true);
  });

  it('applies each message once, in key order, exactly-once with the Redis store', async () => {
    // The store the consumers share (a `memory` store is one per consumer bus, and shows duplicates).
    const result = await runWorkload(
      {
        url: 'memory://verify-eo',
        guarantee: 'exactly-once',
        store: 'redis',
        storeUrl: process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379',
        ordering: 'per-key',
        seed: 4,
      },
      'ci',
    );
    expect(result.counts.publishAttempts).toBeGreaterThan(result.counts.published);
    expect(result.rules.map((r) => [r.rule, r.holds, r.observed])).toEqual([
      ['lost = 0', true, 0],
      ['duplicated = 0', true, 0],
      ['unexpected = 0', true, 0],
      ['reordered = 0', true, 0],
    ]);
  });

  it('refuses faults on memory:// with a reason, before anything runs', async () => {
    await expect(runWorkload({ url: 'memory://x', faults: ['kill-consumer'] }, 'ci')).rejects.toThrow(
      ConfigurationError,
    );
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(await main(['--url', 'memory://x', '--faults', 'cut'])).toBe(2);
      expect(stderr.mock.calls.map(([text]) => String(text)).join('')).toMatch(
        /memory:\/\/ runs every publisher and consumer inside this one process.*takes no faults \(got cut\)/,
      );
    } finally {
      stderr.mockRestore();
    }
  });
});
