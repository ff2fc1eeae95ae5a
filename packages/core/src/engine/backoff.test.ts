import { DEFAULT_RETRY } from '../bind-options';
import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  const policy = { ...DEFAULT_RETRY, initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, jitter: false };

  it('grows exponentially and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, policy))).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('jitter stays between half and all of the computed delay', () => {
    const jittered = { ...policy, jitter: true };
    expect(backoffDelay(3, jittered, () => 0)).toBe(200);
    expect(backoffDelay(3, jittered, () => 0.999999)).toBe(400);
  });
});
