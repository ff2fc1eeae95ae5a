import { check, resolveOptions, specOf, type LedgerEvent, type VerifyResult } from '@polybus/verify';
import { htmlReport } from '../src/report/html-report';
import { timelineOf } from '../src/report/timeline';

// A small run: 4 messages over 12 s, a cut from 2 s to 6 s, m3 acknowledged and never processed.
const T0 = 1_000_000;
const s = (seconds: number) => T0 + seconds * 1_000;
const events: LedgerEvent[] = [
  { type: 'publish-acked', id: 'm0', key: 'k0', seq: 0, copy: 0, at: s(0.5) },
  { type: 'publish-acked', id: 'm1', key: 'k1', seq: 0, copy: 0, at: s(1.2) },
  { type: 'processed', id: 'm0', key: 'k0', seq: 0, consumer: 'consumer-0.0', at: s(1.5) },
  { type: 'fault-started', fault: 'cut', n: 0, at: s(2) },
  { type: 'publish-rejected', id: 'm2', key: 'k0', seq: 1, copy: 0, error: 'cut', at: s(3) },
  { type: 'fault-ended', fault: 'cut', n: 0, at: s(6) },
  { type: 'publish-acked', id: 'm2', key: 'k0', seq: 1, copy: 0, at: s(7.25) },
  { type: 'processed', id: 'm1', key: 'k1', seq: 0, consumer: 'consumer-0.0', at: s(8.5) },
  { type: 'publish-acked', id: 'm3', key: 'k1', seq: 1, copy: 0, at: s(9) },
  { type: 'dead-lettered', id: 'm2', reason: 'permanent-error', at: s(10) },
];

function report(): string {
  const options = resolveOptions({ url: 'amqp://guest:secret@broker:5672', seed: 42 }, 'ci');
  const result: VerifyResult = {
    ...check(events, specOf(options)),
    options,
    topic: 'polybus-verify-42-x',
    dir: '/tmp/run',
    settled: true,
    badLedgerLines: 0,
    startedAt: T0,
    durationMs: 12_000,
  };
  return htmlReport(result, events);
}

describe('htmlReport', () => {
  const html = report();

  it('is one self-contained page: inline CSS and SVG, nothing fetched, no secrets', () => {
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<style>');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<link|<script|<img|src=|@import|url\(/i);
    expect(html).not.toContain('secret');
  });

  it('shows the counts and the broken rule with its ids', () => {
    const cell = (name: string) => new RegExp(`data-count="${name}"[^>]*>(\\d+)<`).exec(html)?.[1];
    expect(
      ['published', 'acknowledged', 'processed', 'dead-lettered', 'lost', 'duplicated'].map(cell),
    ).toEqual(['4', '4', '2', '1', '1', '0']);
    expect(html).toMatch(/<td>lost = 0<\/td><td>1<\/td><td class="fail">FAIL<\/td><td class="ids">m3<\/td>/);
    expect(html).toContain('BROKEN');
  });

  it('shades the fault window on the timeline and lists its recovery', () => {
    // The cut from 2 s to 6 s, on a 12 s axis of 1 s buckets.
    expect(html).toMatch(/data-fault-window="cut" data-start="2.0" data-end="6.0"/);
    // Fault table: at 2.0 s, lasted 4.0 s, next processing 2.5 s after, next ack 1.25 s after, 1 rejection.
    expect(html).toMatch(
      /<tr data-fault="cut"><td>cut<\/td><td>2\.0<\/td><td>4\.0<\/td><td>2\.5<\/td><td>1\.3<\/td><td>1<\/td><\/tr>/,
    );
    for (const series of ['acked', 'processed', 'lag']) expect(html).toContain(`data-series="${series}"`);
  });

  it('plots the lag: the most acknowledged without an outcome yet, per 1 s bucket', () => {
    const t = timelineOf(
      events,
      check(events, { guarantee: 'at-least-once', perKeyOrdering: false }).faults,
      T0,
      12_000,
    );
    expect(t.buckets.map((b) => b.lag)).toEqual([1, 2, 1, 1, 1, 1, 1, 2, 2, 2, 2, 1]);
    expect(t.buckets.map((b) => b.acked)).toEqual([1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0]);
    expect(t.buckets.map((b) => b.processed)).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    expect(t.faults).toEqual([{ label: 'cut', start: 2, end: 6 }]);
    // The SVG's lag line has one point per bucket, the peaks highest (smallest y).
    const ys = /data-series="lag"[^>]*points="([^"]+)"/
      .exec(html)![1]
      .split(' ')
      .map((p) => Number(p.split(',')[1]));
    expect(ys).toHaveLength(12);
    expect(ys[1]).toBe(ys[9]);
    expect(ys[1]).toBeLessThan(ys[2]);
  });
});
