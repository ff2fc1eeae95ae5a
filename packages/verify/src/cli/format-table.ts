import type { VerifyResult } from '../workload/run-result';

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
  const o = r.options;
  const lines = [
    `polybus-verify ${o.url.replace(/\/\/[^@/]*@/, '//***@')}  ${o.guarantee}  seed ${o.seed}  ` +
      `${o.publishers} publishers, ${o.consumers} consumers, ordering ${o.ordering}` +
      (o.guarantee === 'exactly-once' ? `, store ${o.store}` : '') +
      (c.consumerKills > 0 ? `, ${c.consumerKills} consumer kills` : '') +
      (r.faults.some((f) => f.fault === 'kill-publisher')
        ? `, ${r.faults.filter((f) => f.fault === 'kill-publisher').length} publisher kills`
        : '') +
      (o.brokerRestartCmd ? ', broker restart' : '') +
      (o.faults.includes('cut') ? `, cut ${o.cutSeconds} s` : '') +
      (o.faults.includes('stall') ? `, stall ${o.stallSeconds} s` : ''),
    '',
    ...table([columns.map(([name]) => name), columns.map(([, n]) => String(n))]),
    '',
  ];
  if (r.faults.length > 0) lines.push(...faultTable(r), '');
  for (const rule of r.rules)
    lines.push(
      `${rule.holds ? 'PASS' : 'FAIL'}  ${rule.rule} (observed ${rule.observed})${rule.note ? `; ${rule.note}` : ''}`,
    );
  const notes: string[] = [];
  if (c.processings > c.processed) notes.push(`${c.processings - c.processed} redundant processings`);
  if (crashWindow > 0 && r.spec.guarantee === 'at-least-once')
    notes.push(`${crashWindow} duplicates followed a consumer kill`);
  if (c.publishRejections > 0)
    notes.push(
      `${c.publishRejections} publish attempts rejected and retried; ${c.ackedAfterRejection} messages acknowledged after a rejection`,
    );
  if (c.unconfirmedPublishes > 0)
    notes.push(
      `${c.unconfirmedPublishes} publishes in flight when their publisher was killed (neither acked nor rejected)`,
    );
  if (c.rejected > 0)
    notes.push(`${c.rejected} messages never acknowledged (${c.recovered} of them processed anyway)`);
  for (const f of r.faults)
    if (f.silentConsumers.length > 0)
      notes.push(`${f.silentConsumers.join(', ')} processed nothing after ${f.fault} #${f.n}`);
  for (const u of r.unhealthy) notes.push(`${u.consumer} was not healthy at the end: ${u.detail}`);
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
  lines.push('', `${r.ok ? 'OK' : 'BROKEN'}: ledgers, result.json and report.html in ${r.dir}`);
  return lines.join('\n');
}

/** Each fault: when (seconds into the run), how long, and how long until work resumed after it. */
function faultTable(r: VerifyResult): string[] {
  const s = (ms: number | undefined) => (ms === undefined ? '-' : (ms / 1_000).toFixed(1));
  return table(
    [
      ['fault', 'at s', 'lasted s', 'recovery s', 'publish recovery s', 'rejected publishes'],
      ...r.faults.map((f) => [
        `${f.fault}${f.consumer ? ` ${f.consumer}` : ''}${f.publisher ? ` ${f.publisher}` : ''}`,
        s(f.startedAt - r.startedAt),
        s(f.durationMs),
        s(f.recoveryMs),
        s(f.publishRecoveryMs),
        String(f.rejectedPublishes),
      ]),
    ],
    true,
  );
}

/** Right-aligned columns; with `named`, the first (names) left-aligned. */
function table(rows: string[][], named = false): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((cells) =>
    cells.map((cell, i) => (i === 0 && named ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '),
  );
}
