import { resolveOptions } from '@polybus/verify';
import { killSchedule, messageAt, publisherPlan } from '../src/workload/plan';
import { seeded } from '../src/workload/seeded';

const options = resolveOptions({
  url: 'memory://',
  messages: 100,
  keys: 7,
  publishers: 3,
  faults: ['kill-consumer'],
  kills: 3,
});

describe('workload plan', () => {
  it('gives every message to exactly one publisher, each key in seq order', () => {
    const plans = [0, 1, 2].map((p) => publisherPlan(options, p));
    const ids = plans.flat(2).map((m) => m.id);
    expect(new Set(ids).size).toBe(100);
    for (const keyList of plans.flat(1)) {
      expect(new Set(keyList.map((m) => m.key)).size).toBe(1);
      expect(keyList.map((m) => m.seq)).toEqual(keyList.map((_, i) => i));
    }
    expect(messageAt(15, 7)).toEqual({ id: 'm15', key: 'k1', seq: 2 });
  });

  it('is fixed by the seed', () => {
    expect(seeded(1, 'a', 2)).toBe(seeded(1, 'a', 2));
    expect(seeded(1, 'a', 2)).not.toBe(seeded(2, 'a', 2));
    expect(killSchedule(options)).toEqual(killSchedule({ ...options }));
    const at = killSchedule(options).map((k) => k.afterOutcomes);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(at.every((n) => n >= 20 && n <= 80)).toBe(true);
  });
});
