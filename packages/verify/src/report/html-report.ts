import type { LedgerEvent } from '../ledger/events';
import type { VerifyResult } from '../workload/run-result';
import { timelineOf, type Timeline } from './timeline';

const esc = (text: string | number): string =>
  String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const secs = (ms: number | undefined): string => (ms === undefined ? '-' : (ms / 1_000).toFixed(1));
const SHOWN_IDS = 50;

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:24px 32px;color:#1d2330;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 8px}.meta{color:#5b6475}
table{border-collapse:collapse;margin:4px 0}th,td{padding:4px 10px;border-bottom:1px solid #e3e6ec;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f4f6f9;font-weight:600}
.pass{color:#13795b;font-weight:600}.fail{color:#c0362c;font-weight:600}.bad{background:#fdecea}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:600}
.verdict.pass{background:#13795b;color:#fff}.verdict.fail{background:#c0362c;color:#fff}
svg{border:1px solid #e3e6ec;background:#fcfcfd}.ids{font-family:ui-monospace,monospace;font-size:12px;color:#5b6475}
.legend span{margin-right:16px}.sw{display:inline-block;width:12px;height:3px;vertical-align:middle;margin-right:4px}`;

/**
 * The run as one self-contained HTML page (inline CSS and SVG, nothing fetched): the counts and
 * rules of the guarantee, each fault with its recovery, and a timeline of acknowledged publishes
 * and first processings per second, the lag (acknowledged, no outcome yet), fault windows shaded.
 */
export function htmlReport(r: VerifyResult, events: readonly LedgerEvent[]): string {
  const c = r.counts;
  const o = r.options;
  const url = o.url.replace(/\/\/[^@/]*@/, '//***@');
  const counts: Array<[string, number, boolean]> = [
    ['published', c.published, false],
    ['acknowledged', c.acknowledged, false],
    ['processed', c.processed, false],
    ['dead-lettered', c.deadLettered, false],
    ['lost', c.lost, r.rules.some((x) => x.rule === 'lost = 0' && !x.holds)],
    ['duplicated', c.duplicated, r.rules.some((x) => x.rule === 'duplicated = 0' && !x.holds)],
    ['reordered', c.reordered, r.rules.some((x) => x.rule === 'reordered = 0' && !x.holds)],
    ['unexpected', c.unexpected, c.unexpected > 0],
  ];
  const timeline = timelineOf(events, r.faults, r.startedAt, r.durationMs);
  const offenders: Record<string, string[]> = {
    'lost = 0': r.lost,
    'duplicated = 0': r.duplicated.filter((d) => !d.inCrashWindow).map((d) => `${d.id}×${d.times}`),
    'unexpected = 0': r.unexpected,
    'reordered = 0': r.reordered.map((x) => `${x.id} (${x.key} seq ${x.seq} after ${x.afterSeq})`),
  };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>polybus-verify ${esc(o.guarantee)} seed ${esc(o.seed)}</title>
<style>${CSS}</style></head><body>
<h1>polybus-verify <span class="verdict ${r.ok ? 'pass' : 'fail'}">${r.ok ? 'OK' : 'BROKEN'}</span></h1>
<div class="meta">${esc(url)} · ${esc(o.guarantee)} · seed ${esc(o.seed)} · ${esc(o.publishers)} publishers, ${esc(o.consumers)} consumers · ordering ${esc(o.ordering)}${o.guarantee === 'exactly-once' ? ` · store ${esc(o.store)}` : ''} · ${secs(r.durationMs)} s · topic ${esc(r.topic)}</div>
<h2>${esc(o.guarantee)}</h2>
<table id="counts"><tr>${counts.map(([name]) => `<th>${esc(name)}</th>`).join('')}</tr>
<tr>${counts.map(([name, n, bad]) => `<td data-count="${esc(name)}"${bad ? ' class="bad"' : ''}>${esc(n)}</td>`).join('')}</tr></table>
<table id="rules"><tr><th>rule</th><th>observed</th><th>verdict</th><th>offending ids</th></tr>
${r.rules
  .map((rule) => {
    const ids = rule.holds ? [] : (offenders[rule.rule] ?? []);
    return `<tr><td>${esc(rule.rule)}${rule.note ? `<div class="ids">${esc(rule.note)}</div>` : ''}</td><td>${esc(rule.observed)}</td><td class="${rule.holds ? 'pass' : 'fail'}">${rule.holds ? 'PASS' : 'FAIL'}</td><td class="ids">${esc(ids.slice(0, SHOWN_IDS).join(', '))}${ids.length > SHOWN_IDS ? ` … (${ids.length})` : ''}</td></tr>`;
  })
  .join('\n')}</table>
${r.faults.length > 0 ? faultTable(r) : '<p class="meta">No faults injected.</p>'}
<h2>Timeline</h2>
<div class="legend"><span><i class="sw" style="background:#3867d6"></i>acknowledged publishes / s</span><span><i class="sw" style="background:#20bf6b"></i>processed / s</span><span><i class="sw" style="background:#eb8c00"></i>lag: most acknowledged without an outcome yet (right axis)</span><span><i class="sw" style="background:#c0362c;opacity:.3;height:10px"></i>fault</span></div>
${timelineSvg(timeline)}
<p class="meta">Ledgers and result.json in ${esc(r.dir)}. Buckets of ${timeline.bucketSeconds} s.</p>
</body></html>
`;
}

function faultTable(r: VerifyResult): string {
  const rows = r.faults.map(
    (f) =>
      `<tr data-fault="${esc(f.fault)}"><td>${esc(f.fault)}${f.consumer ? ` ${esc(f.consumer)}` : ''}${f.publisher ? ` ${esc(f.publisher)}` : ''}</td><td>${secs(f.startedAt - r.startedAt)}</td><td>${secs(f.durationMs)}</td><td>${secs(f.recoveryMs)}</td><td>${secs(f.publishRecoveryMs)}</td><td>${esc(f.rejectedPublishes)}</td></tr>`,
  );
  return `<h2>Faults</h2><table id="faults"><tr><th>fault</th><th>at s</th><th>lasted s</th><th>recovery s</th><th>publish recovery s</th><th>rejected publishes</th></tr>
${rows.join('\n')}</table>`;
}

const W = 1080;
const H = 300;
const PAD = { left: 48, right: 56, top: 16, bottom: 32 };

/** Rates on the left axis, lag on the right one; a shaded band per fault window. */
function timelineSvg(t: Timeline): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const rate = (n: number) => n / t.bucketSeconds;
  // Whole-number ticks on both axes.
  const maxRate = Math.max(
    4,
    Math.ceil(Math.max(...t.buckets.map((b) => Math.max(rate(b.acked), rate(b.processed)))) / 4) * 4,
  );
  const maxLag = Math.max(4, Math.ceil(Math.max(...t.buckets.map((b) => b.lag)) / 4) * 4);
  const x = (s: number) => PAD.left + (plotW * Math.min(Math.max(s, 0), t.seconds)) / t.seconds;
  const yRate = (v: number) => PAD.top + plotH - (plotH * v) / maxRate;
  const yLag = (v: number) => PAD.top + plotH - (plotH * v) / maxLag;
  const line = (points: Array<[number, number]>, color: string, name: string) =>
    `<polyline data-series="${name}" fill="none" stroke="${color}" stroke-width="1.6" points="${points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(' ')}"/>`;
  const mid = (i: number) => x(t.buckets[i].t + t.bucketSeconds / 2);
  // Labels on alternating rows, so two faults close together stay readable.
  const bands = t.faults
    .map(
      (f, i) =>
        `<g data-fault-window="${esc(f.label)}" data-start="${f.start.toFixed(1)}" data-end="${f.end.toFixed(1)}"><rect x="${x(f.start).toFixed(1)}" y="${PAD.top}" width="${Math.max(2, x(f.end) - x(f.start)).toFixed(1)}" height="${plotH}" fill="#c0362c" fill-opacity="0.14"/><text x="${(x(f.start) + 3).toFixed(1)}" y="${PAD.top + 12 + (i % 3) * 13}" font-size="11" fill="#c0362c">${esc(f.label)}</text></g>`,
    )
    .join('');
  const ticks = (count: number, max: number, y: (v: number) => number, xPos: number, anchor: string) =>
    Array.from({ length: count + 1 }, (_, i) => {
      const v = (max * i) / count;
      return `<text x="${xPos}" y="${(y(v) + 4).toFixed(1)}" font-size="11" text-anchor="${anchor}" fill="#5b6475">${Number.isInteger(v) ? v : v.toFixed(1)}</text>`;
    }).join('');
  const step = Math.max(1, Math.ceil(t.seconds / 12 / 5) * 5);
  const xTicks = Array.from({ length: Math.floor(t.seconds / step) + 1 }, (_, i) => i * step)
    .map(
      (s) =>
        `<line x1="${x(s).toFixed(1)}" x2="${x(s).toFixed(1)}" y1="${PAD.top}" y2="${PAD.top + plotH}" stroke="#eef0f4"/><text x="${x(s).toFixed(1)}" y="${H - 12}" font-size="11" text-anchor="middle" fill="#5b6475">${s}s</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="throughput, lag and faults over time">
${xTicks}${bands}
<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}" stroke="#9aa3b2"/>
${ticks(4, maxRate, yRate, PAD.left - 6, 'end')}${ticks(4, maxLag, yLag, W - PAD.right + 6, 'start')}
<text x="12" y="${PAD.top + plotH / 2}" font-size="11" fill="#5b6475" transform="rotate(-90 12 ${PAD.top + plotH / 2})" text-anchor="middle">messages / s</text>
<text x="${W - 10}" y="${PAD.top + plotH / 2}" font-size="11" fill="#eb8c00" transform="rotate(90 ${W - 10} ${PAD.top + plotH / 2})" text-anchor="middle">lag</text>
${line(
  t.buckets.map((b, i) => [mid(i), yLag(b.lag)]),
  '#eb8c00',
  'lag',
)}
${line(
  t.buckets.map((b, i) => [mid(i), yRate(rate(b.acked))]),
  '#3867d6',
  'acked',
)}
${line(
  t.buckets.map((b, i) => [mid(i), yRate(rate(b.processed))]),
  '#20bf6b',
  'processed',
)}
</svg>`;
}
