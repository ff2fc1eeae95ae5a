/**
 * The error text of a dead letter with what differs from one message to the next taken out, so
 * letters that failed for the same reason group together: UUIDs and other long hex runs become
 * `<id>`, numbers (with their decimals, signs and units of time) become `<n>`, runs of blanks one
 * space. `bad order 4711 (id 0190f5e2-...)` and `bad order 12 (id 0190f5e3-...)` are one group.
 */
export function errorFingerprint(error: string | undefined): string {
  if (error === undefined || error.trim() === '') return '(no error text)';
  return error
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<id>')
    .replace(/\b0x[0-9a-f]+\b/gi, '<id>')
    .replace(/\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, '<id>')
    .replace(/[-+]?\d+(?:[.,:]\d+)*/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}
