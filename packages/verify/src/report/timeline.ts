import type { LedgerEvent } from '../ledger/events';
import type { FaultRecovery } from '../checker/findings';

/** Per time bucket of a run: acknowledged publishes, first processings, and the lag after it. */
export interface TimelineBucket {
  /** Seconds from the run's start to the bucket's start. */
  readonly t: number;
  readonly acked: number;
  readonly processed: number;
  /** The most acknowledged ids without an outcome yet (processed or dead-lettered) during the bucket. */
  readonly lag: number;
}

export interface Timeline {
  readonly bucketSeconds: number;
  readonly buckets: TimelineBucket[];
  /** Fault windows in seconds from the start (`end` absent: the run ended during it). */
  readonly faults: ReadonlyArray<{ label: string; start: number; end: number }>;
  readonly seconds: number;
}

/** About 120 buckets, whole seconds each. Pure, like the checker; `events` ordered by `at`. */
export function timelineOf(
  events: readonly LedgerEvent[],
  faults: readonly FaultRecovery[],
  startedAt: number,
  durationMs: number,
): Timeline {
  const last = events.length > 0 ? events[events.length - 1].at : startedAt;
  const seconds = Math.max(1, durationMs / 1_000, (last - startedAt) / 1_000);
  const bucketSeconds = Math.max(1, Math.ceil(seconds / 120));
  const n = Math.ceil(seconds / bucketSeconds);
  const acked = new Array<number>(n).fill(0);
  const processed = new Array<number>(n).fill(0);
  const lagMax = new Array<number>(n).fill(0);
  let lag = 0;
  let current = 0;
  // A bucket's lag starts where the previous one's ended (buckets without events included).
  const moveTo = (b: number) => {
    for (; current < b; current++) lagMax[current + 1] = Math.max(lagMax[current + 1], lag);
  };
  const setLag = (at: number, delta: number) => {
    const b = bucket(at);
    moveTo(b);
    lag += delta;
    lagMax[b] = Math.max(lagMax[b], lag);
  };
  const bucket = (at: number) =>
    Math.min(n - 1, Math.max(0, Math.floor((at - startedAt) / 1_000 / bucketSeconds)));
  const ackedIds = new Set<string>();
  const done = new Set<string>();
  const seen = new Set<string>();
  for (const e of events) {
    if (e.type === 'publish-acked' && !ackedIds.has(e.id)) {
      ackedIds.add(e.id);
      acked[bucket(e.at)]++;
      if (!done.has(e.id)) setLag(e.at, 1);
    } else if (e.type === 'processed' || e.type === 'dead-lettered') {
      if (e.type === 'processed' && !seen.has(e.id)) {
        seen.add(e.id);
        processed[bucket(e.at)]++;
      }
      if (!done.has(e.id)) {
        done.add(e.id);
        if (ackedIds.has(e.id)) setLag(e.at, -1);
      }
    }
  }
  moveTo(n - 1);
  const buckets = acked.map((a, i) => ({
    t: i * bucketSeconds,
    acked: a,
    processed: processed[i],
    lag: lagMax[i],
  }));
  return {
    bucketSeconds,
    buckets,
    seconds: n * bucketSeconds,
    faults: faults.map((f) => ({
      label: `${f.fault}${f.consumer ? ` ${f.consumer}` : ''}${f.publisher ? ` ${f.publisher}` : ''}`,
      start: (f.startedAt - startedAt) / 1_000,
      end: ((f.endedAt ?? startedAt + n * bucketSeconds * 1_000) - startedAt) / 1_000,
    })),
  };
}
