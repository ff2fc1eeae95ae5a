import { resolveOptions } from '@polybus/verify';
import { faultSchedule, messageAt, publisherPlan } from '../src/workload/plan';
import { seeded } from '../src/workload/seeded';
import { GATE_LEAD, gateFraction, publishGate } from '../src/workload/publish-gate';

// A broker URL (nothing connects here): memory:// takes no faults.
const options = resolveOptions({
  url: 'redis://127.0.0.1:6379',
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
    expect(faultSchedule(options)).toEqual(faultSchedule({ ...options }));
    const at = faultSchedule(options).map((k) => k.afterOutcomes);
    expect(at).toEqual([...at].sort((a, b) => a - b));
    expect(at.every((n) => n >= 20 && n <= 80)).toBe(true);
  });

  it('schedules every kill and one cut and one stall, each with its duration', () => {
    const all = faultSchedule({ ...options, faults: ['kill-consumer', 'cut', 'stall'], kills: 2 });
    expect(all.map((f) => f.fault).sort()).toEqual(['cut', 'kill-consumer', 'kill-consumer', 'stall']);
    expect(all.find((f) => f.fault === 'cut')?.durationMs).toBe(options.cutSeconds * 1_000);
    expect(all.find((f) => f.fault === 'stall')?.durationMs).toBe(options.stallSeconds * 1_000);
    expect(new Set(all.map((f) => f.afterOutcomes)).size).toBe(4);
    expect(faultSchedule({ ...options, faults: [] })).toEqual([]);
  });

  it('aims publisher kills at publisher slots, and schedules one broker restart', () => {
    const all = faultSchedule({
      ...options,
      faults: ['kill-publisher', 'broker-restart'],
      publisherKills: 4,
      brokerRestartCmd: 'true',
    });
    expect(all.map((f) => f.fault).sort()).toEqual([
      'broker-restart',
      'kill-publisher',
      'kill-publisher',
      'kill-publisher',
      'kill-publisher',
    ]);
    for (const f of all.filter((x) => x.fault === 'kill-publisher'))
      expect(f.slot).toBeLessThan(options.publishers);
    expect(() => resolveOptions({ url: 'redis://h', faults: ['broker-restart'] })).toThrow(
      /--broker-restart-cmd/,
    );
    expect(resolveOptions({ url: 'redis://h', brokerRestartCmd: 'true' }, 'ci').faults).toEqual([
      'kill-consumer',
      'cut',
      'stall',
      'broker-restart',
    ]);
  });
});

describe('publish gate', () => {
  it('lets each key through up to the allowed fraction, and on when it is raised', async () => {
    const gate = publishGate(0.5);
    const passed: number[] = [];
    const key = Promise.all([0, 1, 2, 3].map((seq) => gate.pass(seq, 4).then(() => passed.push(seq))));
    await new Promise((resolve) => setImmediate(resolve));
    expect(passed.sort()).toEqual([0, 1]);
    gate.allow(0.2); // never lowered
    gate.allow(1);
    await key;
    expect(passed.sort()).toEqual([0, 1, 2, 3]);
    expect(gateFraction(undefined, 100)).toBe(1);
    expect(gateFraction(30, 100)).toBeCloseTo(0.3 + GATE_LEAD);
  });
});
