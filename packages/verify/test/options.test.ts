import { FAULTS, resolveOptions } from '@polybus/verify';
import { parseCliArgs, USAGE } from '../src/cli/parse-args';
import { faultSchedule } from '../src/workload/plan';

// Broker URLs only: nothing connects here, and no soak is run.
describe('the soak profile', () => {
  const soak = resolveOptions({ url: 'redis://127.0.0.1:6379' }, 'soak');
  const defaults = resolveOptions({ url: 'redis://127.0.0.1:6379' });

  it('is a long run with more processes than the default, paced so the faults land while publishing', () => {
    expect(soak.messages).toBeGreaterThanOrEqual(50_000);
    expect(soak.publishers).toBeGreaterThan(defaults.publishers);
    expect(soak.consumers).toBeGreaterThan(defaults.consumers);
    expect(soak.kills).toBeGreaterThan(1);
    expect(soak.publisherKills).toBeGreaterThan(1);
    expect(soak.publishRate).toBeGreaterThan(0);
    // Minutes of publishing, not seconds.
    expect(soak.messages / soak.publishRate).toBeGreaterThanOrEqual(120);
    expect(soak.settleTimeoutMs).toBeGreaterThanOrEqual(defaults.settleTimeoutMs);
  });

  it('takes every fault but broker-restart, which its command adds', () => {
    expect([...soak.faults].sort()).toEqual(FAULTS.filter((f) => f !== 'broker-restart').sort());
    expect(
      [...resolveOptions({ url: 'redis://h:6379', brokerRestartCmd: 'true' }, 'soak').faults].sort(),
    ).toEqual([...FAULTS].sort());
  });

  it('schedules every kill, one cut and one stall, each at its own point of the middle of the run', () => {
    const schedule = faultSchedule(soak);
    expect(schedule).toHaveLength(soak.kills + soak.publisherKills + 2);
    expect(schedule.filter((f) => f.fault === 'kill-consumer')).toHaveLength(soak.kills);
    expect(schedule.filter((f) => f.fault === 'kill-publisher')).toHaveLength(soak.publisherKills);
    const at = schedule.map((f) => f.afterOutcomes);
    expect(new Set(at).size).toBe(at.length);
    expect(at.every((n) => n >= 0.2 * soak.messages && n <= 0.8 * soak.messages)).toBe(true);
  });

  it('runs on memory:// without faults, and refuses any fault asked for there', () => {
    const memory = resolveOptions({ url: 'memory://soak' }, 'soak');
    expect(memory).toMatchObject({ faults: [], messages: soak.messages, publishRate: soak.publishRate });
    expect(() => resolveOptions({ url: 'memory://soak', faults: ['kill-consumer'] }, 'soak')).toThrow(
      /memory/,
    );
  });

  it('keeps a flag over the profile', () => {
    expect(resolveOptions({ url: 'redis://h:6379', messages: 500, faults: ['cut'] }, 'soak')).toMatchObject({
      messages: 500,
      faults: ['cut'],
      kills: soak.kills,
    });
  });
});

describe('--profile', () => {
  it('reads soak, and names it in the help', () => {
    const args = parseCliArgs(['--url', 'redis://h:6379', '--profile', 'soak', '--messages', '500']);
    expect(args.profile).toBe('soak');
    expect(resolveOptions(args.options, args.profile)).toMatchObject({ messages: 500, publishers: 4 });
    expect(USAGE).toMatch(/--profile <p>\s+default \| ci .* \| soak/);
  });

  it('refuses an unknown profile, an inherited property name too', () => {
    for (const name of ['long', 'toString'])
      expect(() => resolveOptions({ url: 'redis://h:6379' }, name as never)).toThrow(
        /must be default, ci or soak/,
      );
  });
});

describe('--duration', () => {
  const url = 'redis://127.0.0.1:6379';

  it('publishes for that long at the publish rate: messages = rate × seconds', () => {
    expect(resolveOptions({ url, durationSeconds: 600 }, 'soak').messages).toBe(200 * 600);
    expect(resolveOptions({ url, durationSeconds: 60, publishRate: 50 }).messages).toBe(3_000);
    expect(parseCliArgs(['--url', url, '--duration', '10m']).options.durationSeconds).toBe(600);
    expect(parseCliArgs(['--url', url, '--duration', '90']).options.durationSeconds).toBe(90);
    expect(parseCliArgs(['--url', url, '--duration', '1h']).options.durationSeconds).toBe(3_600);
    expect(USAGE).toContain('--duration <t>');
  });

  it('is refused unpaced, beside --messages, and when it is no time', () => {
    expect(() => resolveOptions({ url, durationSeconds: 60 })).toThrow(/needs a publish rate > 0/);
    expect(() => resolveOptions({ url, durationSeconds: 60, messages: 10 }, 'ci')).toThrow(
      /--messages or --duration, not both/,
    );
    expect(() => resolveOptions({ url, durationSeconds: 0 }, 'ci')).toThrow(/must be a time > 0/);
    expect(() => parseCliArgs(['--url', url, '--duration', '5 min'])).toThrow(/--duration/);
    expect(() => parseCliArgs(['--url', url, '--duration', '1.5h'])).toThrow(/whole number of s, m or h/);
  });

  it('leaves no durationSeconds in the resolved options', () => {
    expect(resolveOptions({ url, durationSeconds: 10 }, 'ci')).not.toHaveProperty('durationSeconds');
  });
});
