import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LedgerEvent } from './events';

export interface ReadLedger {
  readonly events: LedgerEvent[];
  /** Lines that did not parse (a process killed in the middle of a write); reported, not fatal. */
  readonly badLines: number;
}

const TYPES = new Set([
  'publish-attempted',
  'publish-acked',
  'publish-rejected',
  'processed',
  'dead-lettered',
  'consumer-killed',
  'fault-started',
  'fault-ended',
  'consumer-health',
]);

/** Parses JSON-lines ledger text. */
export function parseLedger(text: string): ReadLedger {
  const events: LedgerEvent[] = [];
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const event = JSON.parse(line) as LedgerEvent;
      if (TYPES.has(event?.type)) events.push(event);
      else badLines++;
    } catch {
      badLines++;
    }
  }
  return { events, badLines };
}

/** Reads and merges every `*.jsonl` file of a run directory, ordered by `at`. */
export function readLedgerDir(dir: string): ReadLedger {
  const events: LedgerEvent[] = [];
  let badLines = 0;
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.jsonl')) continue;
    const part = parseLedger(readFileSync(join(dir, name), 'utf8'));
    events.push(...part.events);
    badLines += part.badLines;
  }
  // Stable sort: events of one file keep their written order when two share a timestamp.
  events.sort((a, b) => a.at - b.at);
  return { events, badLines };
}
