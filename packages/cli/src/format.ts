import type { DeadLetterDetail } from './letter-detail';
import type { PurgeReport } from './purge';
import type { ReplayReport } from './replay';
import type { DeadLetterListing } from './summary';

const table = (rows: string[][]): string => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

export function formatListing(listing: DeadLetterListing): string {
  if (listing.total === 0) return `${listing.topic}: no dead letters`;
  const rows = [['COUNT', 'REASON', 'OLDEST', 'NEWEST', 'SOURCE', 'EXAMPLE ID', 'ERROR']];
  for (const g of listing.groups)
    rows.push([
      String(g.count),
      g.reason,
      g.oldest ?? '-',
      g.newest ?? '-',
      g.sources.join(',') || '-',
      g.exampleId,
      g.fingerprint,
    ]);
  const groups = listing.groups.length;
  return `${listing.topic}: ${listing.total} dead letter(s) in ${groups} group(s)\n${table(rows)}`;
}

export function formatDetail(topic: string, d: DeadLetterDetail): string {
  const lines = [`${topic} ${d.ref}`, `id:        ${d.id}`];
  if (d.key !== undefined) lines.push(`key:       ${d.key}`);
  lines.push(`timestamp: ${d.timestamp}`);
  if (d.storedAt) lines.push(`stored at: ${d.storedAt}`);
  lines.push('dead letter:', ...Object.entries(d.deadLetter).map(([k, v]) => `  ${k}: ${v}`));
  lines.push('headers:', ...Object.entries(d.headers).map(([k, v]) => `  ${k}: ${v}`));
  const truncated = d.truncated ? ', TRUNCATED: a prefix of the original body' : '';
  lines.push(`body (${d.body.bytes} bytes, ${d.body.encoding}${truncated}):`, d.body.data);
  return lines.join('\n');
}

export function formatReplay(r: ReplayReport): string {
  const verb = r.dryRun ? 'would replay' : 'replayed';
  const lines = [`${r.topic}: ${r.matched} matching letter(s); ${verb} ${r.replayed}`];
  for (const [source, n] of Object.entries(r.bySource)) lines.push(`  ${n} -> ${source}`);
  if (!r.dryRun) lines.push(`removed ${r.removed} from ${r.topic}, kept ${r.kept}`);
  if (r.truncated.length > 0)
    lines.push(
      `skipped ${r.truncated.length} truncated letter(s) (body is only a prefix): ${r.truncated.join(', ')}`,
    );
  if (r.noSource.length > 0)
    lines.push(`skipped ${r.noSource.length} letter(s) without polybus-dlq-source: ${r.noSource.join(', ')}`);
  if (r.note) lines.push(`note: ${r.note}`);
  return lines.join('\n');
}

export function formatPurge(r: PurgeReport): string {
  const lines = [`${r.topic}: ${r.matched} matching letter(s); removed ${r.removed}, kept ${r.kept}`];
  if (r.note) lines.push(`note: ${r.note}`);
  return lines.join('\n');
}
