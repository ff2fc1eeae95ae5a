import type { VerifyResult } from '../workload/runner';

const SHOWN_IDS = 10;

/** The human report: one table of counts, the verdict of each rule, and a few offending ids. */
export function formatReport(r: VerifyResult): string {
  const c = r.counts;
  const crashWindow = r.duplicated.filter((d) => d.inCrashWindow).length;
  const columns: Array<[string, number]> = [
    ['published', c.published],
    ['acknowledged', c.acknowledged],
    ['processed', c.processed],
    ['dead-lettered', c.deadLettered],
    ['lost', c.lost],
    ['duplicated', c.duplicated],
    ['reordered', c.reordered],
    ['unexpected', c.unexpected],
  ];
  const widths = columns.map(([name, n]) => Math.max(name.length, String(n).length));
  const row = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i])).join('  ');
  const o = r.options;
  const lines = [
    `polybus-verify ${o.url.replace(/\/\/[^@/]*@/, '//***@')}  ${o.guarantee}  seed ${o.seed}  ` +
      `${o.publishers} publishers, ${o.consumers} consumers, ordering ${o.ordering}` +
      (o.guarantee === 'exactly-once' ? `, store ${o.store}` : '') +
      (c.consumerKills > 0 ? `, ${c.consumerKills} consumer kills` : ''),
    '',
    row(columns.map(([name]) => name)),
    row(columns.map(([, n]) => String(n))),
    '',
  ];
  for (const rule of r.rules)
    lines.push(
      `${rule.holds ? 'PASS' : 'FAIL'}  ${rule.rule} (observed ${rule.observed})${rule.note ? `; ${rule.note}` : ''}`,
    );
  const notes: string[] = [];
  if (c.processings > c.processed) notes.push(`${c.processings - c.processed} redundant processings`);
  if (crashWindow > 0 && r.spec.guarantee === 'at-least-once')
    notes.push(`${crashWindow} duplicates followed a consumer kill`);
  if (c.rejected > 0)
    notes.push(`${c.rejected} publishes rejected (${c.recovered} of them processed anyway)`);
  if (!r.spec.perKeyOrdering && c.reordered > 0)
    notes.push('reorders are not a failure without --ordering per-key');
  if (!r.settled) notes.push('the run stopped waiting before every message had an outcome');
  if (r.badLedgerLines > 0) notes.push(`${r.badLedgerLines} torn ledger lines ignored`);
  if (notes.length > 0) lines.push('', ...notes.map((n) => `note: ${n}`));
  // Ids are listed for the broken rules only: an allowed duplicate is not an offender.
  const offenders: Record<string, string[]> = {
    'lost = 0': r.lost,
    'duplicated = 0': r.duplicated.filter((d) => !d.inCrashWindow).map((d) => `${d.id}×${d.times}`),
    'unexpected = 0': r.unexpected,
    'reordered = 0': r.reordered.map((x) => `${x.id} (${x.key} seq ${x.seq} after ${x.afterSeq})`),
  };
  for (const rule of r.rules.filter((x) => !x.holds)) {
    const ids = offenders[rule.rule] ?? [];
    lines.push(
      `${rule.rule.split(' ')[0]}: ${ids.slice(0, SHOWN_IDS).join(', ')}${ids.length > SHOWN_IDS ? `, … (${ids.length})` : ''}`,
    );
  }
  lines.push('', `${r.ok ? 'OK' : 'BROKEN'}: ledgers and result.json in ${r.dir}`);
  return lines.join('\n');
}
