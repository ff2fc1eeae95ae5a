export interface Row {
  guarantee: string;
  published: number;
  processed: number;
  lost: number;
  duplicated: number;
}

export function printTable(rows: Row[]): void {
  const columns: Array<keyof Row> = ['guarantee', 'published', 'processed', 'lost', 'duplicated'];
  const width = (c: keyof Row) => Math.max(c.length, ...rows.map((r) => String(r[c]).length));
  const line = (cells: (c: keyof Row) => string) =>
    columns.map((c, i) => (i === 0 ? cells(c).padEnd(width(c)) : cells(c).padStart(width(c)))).join('   ');
  console.log(line((c) => c));
  console.log(line((c) => '-'.repeat(width(c))));
  for (const row of rows) console.log(line((c) => String(row[c])));
}
