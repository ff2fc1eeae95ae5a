/**
 * Counts one run: published, acknowledged by the broker, processed, lost, duplicated, unexpected.
 * Lost = acknowledged but never processed; duplicated = processed more than once; unexpected =
 * processed but never published in this run.
 */
export class Tally {
  readonly published = new Set<string>();
  readonly acknowledged = new Set<string>();
  readonly processed = new Map<string, number>();

  publish(id: string): void {
    this.published.add(id);
  }

  acknowledge(id: string): void {
    this.acknowledged.add(id);
  }

  process(id: string): void {
    this.processed.set(id, (this.processed.get(id) ?? 0) + 1);
  }

  get missing(): string[] {
    return [...this.acknowledged].filter((id) => !this.processed.has(id));
  }

  get duplicates(): string[] {
    return [...this.processed].filter(([, n]) => n > 1).map(([id]) => id);
  }

  get unexpected(): string[] {
    return [...this.processed.keys()].filter((id) => !this.published.has(id));
  }

  /** True once every acknowledged message was processed at least once. */
  complete(): boolean {
    for (const id of this.acknowledged) if (!this.processed.has(id)) return false;
    return true;
  }

  summary(): {
    published: number;
    acknowledged: number;
    processed: number;
    lost: number;
    duplicated: number;
    unexpected: number;
  } {
    let processed = 0;
    for (const n of this.processed.values()) processed += n;
    return {
      published: this.published.size,
      acknowledged: this.acknowledged.size,
      processed,
      lost: this.missing.length,
      duplicated: this.duplicates.length,
      unexpected: this.unexpected.length,
    };
  }

  /** A failure message that lists the ids at fault (first 20 of each). */
  report(): string {
    const list = (ids: string[]): string =>
      ids.slice(0, 20).join(', ') + (ids.length > 20 ? ` … (+${ids.length - 20})` : '');
    return [
      JSON.stringify(this.summary()),
      this.missing.length ? `missing: ${list(this.missing)}` : '',
      this.duplicates.length ? `duplicated: ${list(this.duplicates)}` : '',
      this.unexpected.length ? `unexpected: ${list(this.unexpected)}` : '',
    ]
      .filter(Boolean)
      .join('\n');
  }
}

/** Fails with the ids at fault when any of the named counts is above its limit. */
export function assertTally(
  tally: Tally,
  limits: Partial<Record<'lost' | 'duplicated' | 'unexpected', number>>,
  expectedAcknowledged?: number,
): void {
  const s = tally.summary();
  const over = (Object.keys(limits) as Array<keyof typeof limits>).filter((k) => s[k] > limits[k]!);
  if (expectedAcknowledged !== undefined && s.acknowledged !== expectedAcknowledged)
    over.push(`acknowledged ${s.acknowledged} ≠ ${expectedAcknowledged}` as never);
  if (over.length > 0)
    throw new Error(`conformance counts out of bounds (${over.join(', ')}):\n${tally.report()}`);
}
