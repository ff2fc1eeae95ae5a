/**
 * One headers table reused across publishes on a channel. amqplib wraps every message's headers
 * with `Object.create(headers)` and encodes them inside `publish()`: a fresh object per message
 * thus becomes a new prototype each time, which costs V8 ~1 µs per header (measured: 2 headers
 * 7.1 -> 4.9 cpu-µs per publish call). Reusing one object keeps its prototype shape; this is
 * safe because amqplib has encoded the table before `publish()` returns and keeps no reference.
 * Messages whose header names differ from the previous one's get a new table (then reused).
 */
export class ReusedHeaders {
  private names: string[] = [];
  private table: Record<string, unknown> = {};

  /** The table to hand to `publish()` right away (overwritten by the next call). */
  fill(headers: Readonly<Record<string, unknown>>): Record<string, unknown> {
    const { names, table } = this;
    let i = 0;
    for (const name in headers) {
      if (names[i] !== name) return this.replace(headers);
      i++;
    }
    if (i !== names.length) return this.replace(headers);
    for (i = 0; i < names.length; i++) table[names[i]] = headers[names[i]];
    return table;
  }

  private replace(headers: Readonly<Record<string, unknown>>): Record<string, unknown> {
    this.table = { ...headers };
    this.names = Object.keys(this.table);
    return this.table;
  }
}
