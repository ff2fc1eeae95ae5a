import { appendFileSync } from 'node:fs';
import type { LedgerEvent } from './events';

/** Appends events to one process's ledger file. */
export interface LedgerWriter {
  /**
   * Writes `event` as one JSON line before returning (a synchronous `write(2)`), so an event whose
   * call returned survives a SIGKILL of the process a moment later.
   */
  append(event: LedgerEvent): void;
  readonly path: string;
}

export function ledgerWriter(path: string): LedgerWriter {
  return {
    path,
    append(event) {
      appendFileSync(path, `${JSON.stringify(event)}\n`);
    },
  };
}
