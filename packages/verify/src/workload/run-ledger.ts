import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LedgerEvent } from '../ledger/events';
import { readLedgerDir, type ReadLedger } from '../ledger/read-ledger';
import { effectsReader } from '../store/postgres-effects';
import type { WorkloadOptions } from './options';

/** Every event of a run so far: the ledgers of its directory and, with `--store postgres`, the effect rows. */
export interface RunLedger {
  /** The merged events, in `at` order when effect rows are among them. */
  collect(): Promise<ReadLedger>;
  /**
   * The final read, once every worker has ended. With `--store postgres` it also writes the effect
   * rows to `postgres-effects.jsonl`, then drops the run's rows and inbox table.
   */
  finish(): Promise<ReadLedger>;
}

export function runLedger(o: WorkloadOptions, dir: string, topic: string): RunLedger {
  // --store postgres: the effects are rows (postgres-effects.ts), read with the ledgers.
  const effects = o.store === 'postgres' ? effectsReader(o.storeUrl, topic) : undefined;
  const collect = async (): Promise<ReadLedger> => {
    const ledger = readLedgerDir(dir);
    if (!effects) return ledger;
    const merged: LedgerEvent[] = [...ledger.events, ...(await effects.read())];
    return { events: merged.sort((a, b) => a.at - b.at), badLines: ledger.badLines };
  };
  return {
    collect,
    async finish() {
      try {
        const ledger = await collect();
        if (effects) {
          // The run directory alone is then enough to check the run again (readLedgerDir + check).
          const rows = ledger.events.filter((e) => e.type === 'processed');
          writeFileSync(
            join(dir, 'postgres-effects.jsonl'),
            rows.map((e) => `${JSON.stringify(e)}\n`).join(''),
          );
          await effects.drop();
        }
        return ledger;
      } finally {
        await effects?.close();
      }
    },
  };
}
