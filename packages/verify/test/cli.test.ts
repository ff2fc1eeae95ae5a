import { ConfigurationError } from '@polybus/core';
import { parseCliArgs } from '../src/cli/parse-args';
import { formatReport } from '../src/cli/format-table';
import { check, resolveOptions, specOf, type VerifyResult } from '@polybus/verify';

describe('parseCliArgs', () => {
  it('reads every documented flag', () => {
    const args = parseCliArgs([
      '--url',
      'amqp://guest:guest@127.0.0.1:5672',
      '--guarantee',
      'exactly-once',
      '--messages',
      '500',
      '--seed',
      '42',
      '--faults',
      'kill-consumer',
      '--profile',
      'ci',
      '--ordering',
      'per-key',
      '--store',
      'redis',
    ]);
    expect(args).toMatchObject({
      profile: 'ci',
      json: false,
      options: {
        url: 'amqp://guest:guest@127.0.0.1:5672',
        guarantee: 'exactly-once',
        messages: 500,
        seed: 42,
        faults: ['kill-consumer'],
        ordering: 'per-key',
        store: 'redis',
      },
    });
  });

  it('takes the URL from POLYBUS_URL and refuses a run without one', () => {
    expect(parseCliArgs([], { POLYBUS_URL: 'redis://x' }).options.url).toBe('redis://x');
    expect(() => parseCliArgs([])).toThrow(ConfigurationError);
  });

  it('names the bad flag', () => {
    expect(() => parseCliArgs(['--url', 'redis://x', '--messages', 'many'])).toThrow(/--messages/);
    expect(() => parseCliArgs(['--url', 'redis://x', '--nope'])).toThrow(ConfigurationError);
  });
});

describe('parseCliArgs: publisher kills, broker restart, PostgreSQL store', () => {
  it('reads the flags', () => {
    const args = parseCliArgs([
      '--url',
      'amqp://h',
      '--guarantee',
      'exactly-once',
      '--faults',
      'kill-publisher',
      '--publisher-kills',
      '2',
      '--broker-restart-cmd',
      'systemctl restart rabbitmq-server',
      '--store',
      'postgres',
      '--store-url',
      'postgres://u@db:5432/x',
    ]);
    expect(args.options).toMatchObject({
      faults: ['kill-publisher'],
      publisherKills: 2,
      brokerRestartCmd: 'systemctl restart rabbitmq-server',
      store: 'postgres',
      storeUrl: 'postgres://u@db:5432/x',
    });
    expect(resolveOptions(args.options, 'ci').faults).toEqual(['kill-publisher', 'broker-restart']);
  });
});

describe('resolveOptions', () => {
  it('picks the Redis store for exactly-once and refuses an unknown fault or guarantee', () => {
    expect(resolveOptions({ url: 'redis://x', guarantee: 'exactly-once' }, 'ci')).toMatchObject({
      store: 'redis',
      messages: 300,
    });
    expect(() => resolveOptions({ url: 'redis://x', faults: ['kill-broker' as never] })).toThrow(/faults/);
    expect(() => resolveOptions({ url: 'redis://x', guarantee: 'twice' as never })).toThrow(/guarantee/);
  });
});

describe('parseCliArgs: faults', () => {
  it('reads the network faults and their durations', () => {
    const args = parseCliArgs([
      '--url',
      'redis://127.0.0.1:6379',
      '--faults',
      'cut,stall,kill-consumer',
      '--cut-seconds',
      '5',
      '--stall-seconds',
      '12',
      '--publish-rate',
      '40',
    ]);
    expect(args.options).toMatchObject({
      faults: ['cut', 'stall', 'kill-consumer'],
      cutSeconds: 5,
      stallSeconds: 12,
      publishRate: 40,
    });
  });

  it('gives the ci profile every fault, and refuses a URL the proxy cannot stand in front of', () => {
    expect(resolveOptions({ url: 'redis://x' }, 'ci').faults).toEqual(['kill-consumer', 'cut', 'stall']);
    expect(() => resolveOptions({ url: 'kafka://a:9092,b:9092', faults: ['cut'] })).toThrow(/single Kafka/);
    expect(() => resolveOptions({ url: 'rediss://h:6380', faults: ['stall'] })).toThrow(/plain/);
    expect(resolveOptions({ url: 'kafka://a:9092,b:9092', faults: ['kill-consumer'] }).faults).toEqual([
      'kill-consumer',
    ]);
  });
});

describe('formatReport', () => {
  it('prints the counts table, each rule, and the ids behind a broken one', () => {
    const options = resolveOptions({ url: 'amqp://guest:secret@h:5672', guarantee: 'at-least-once' }, 'ci');
    const events = [
      { type: 'publish-acked', id: 'm0', key: 'k0', seq: 0, copy: 0, at: 1 },
      { type: 'publish-acked', id: 'm1', key: 'k0', seq: 1, copy: 0, at: 2 },
      { type: 'processed', id: 'm0', key: 'k0', seq: 0, consumer: 'c', at: 3 },
    ] as const;
    const result: VerifyResult = {
      ...check(events, specOf(options)),
      options,
      topic: 't',
      dir: '/tmp/run',
      settled: true,
      badLedgerLines: 0,
      startedAt: 0,
      durationMs: 1,
    };
    const report = formatReport(result);
    expect(report).toMatch(
      /published\s+acknowledged\s+processed\s+dead-lettered\s+lost\s+duplicated\s+reordered/,
    );
    expect(report).toContain('FAIL  lost = 0 (observed 1)');
    expect(report).toContain('lost: m1');
    expect(report).not.toContain('secret');
    expect(report).toMatch(/^BROKEN/m);
  });

  it('shows each fault with its recovery', () => {
    const options = resolveOptions({ url: 'redis://h:6379' }, 'ci');
    const events = [
      { type: 'publish-acked', id: 'm0', key: 'k0', seq: 0, copy: 0, at: 1_000 },
      { type: 'fault-started', fault: 'cut', n: 0, at: 2_000 },
      { type: 'publish-rejected', id: 'm1', key: 'k0', seq: 1, copy: 0, error: 'x', at: 2_500 },
      { type: 'fault-ended', fault: 'cut', n: 0, at: 10_000 },
      { type: 'publish-acked', id: 'm1', key: 'k0', seq: 1, copy: 0, at: 10_500 },
      { type: 'processed', id: 'm0', key: 'k0', seq: 0, consumer: 'c', at: 12_000 },
      { type: 'processed', id: 'm1', key: 'k0', seq: 1, consumer: 'c', at: 12_100 },
    ] as const;
    const report = formatReport({
      ...check(events, specOf(options)),
      options,
      topic: 't',
      dir: '/tmp/run',
      settled: true,
      badLedgerLines: 0,
      startedAt: 0,
      durationMs: 1,
    });
    expect(report).toMatch(/fault\s+at s\s+lasted s\s+recovery s\s+publish recovery s\s+rejected publishes/);
    expect(report).toMatch(/^cut\s+2\.0\s+8\.0\s+2\.0\s+0\.5\s+1$/m);
    expect(report).toContain('1 messages acknowledged after a rejection');
    expect(report).toMatch(/^OK/m);
  });
});
