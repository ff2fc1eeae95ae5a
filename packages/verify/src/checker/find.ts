import type { LedgerEvent, ProcessedEvent, RunSpec } from '../ledger/events';
import type { DuplicatedId, Findings, ReorderedId } from './findings';
import { recoveriesOf, unhealthyOf } from './recovery';

interface Published {
  key: string;
  seq: number;
  /** `publish-acked` + `publish-rejected` events: attempts whose outcome the publisher saw. */
  attempts: number;
  /** `publish-attempted` events (absent from older or hand-written ledgers). */
  started: number;
  acked: boolean;
  /** A rejected attempt came before the first acknowledgement. */
  rejectedFirst: boolean;
}

/**
 * Reads the merged ledger of a run the way Jepsen's total-queue checker reads a history: what
 * was acknowledged against what came out. Pure: the same events give the same findings.
 * `events` must be ordered by `at` (as `readLedgerDir` returns them).
 */
export function findAnomalies(events: readonly LedgerEvent[], spec: RunSpec): Findings {
  const published = new Map<string, Published>();
  const processed = new Map<string, ProcessedEvent[]>();
  const deadLettered = new Set<string>();
  const kills = new Map<string, number[]>();
  let publishAttempts = 0;
  let publishRejections = 0;
  let processings = 0;

  const entry = (e: { id: string; key: string; seq: number }): Published =>
    published.get(e.id) ??
    published
      .set(e.id, { key: e.key, seq: e.seq, attempts: 0, started: 0, acked: false, rejectedFirst: false })
      .get(e.id)!;

  for (const e of events) {
    switch (e.type) {
      case 'publish-attempted':
        entry(e).started++;
        break;
      case 'publish-acked':
      case 'publish-rejected': {
        const p = entry(e);
        // Every attempt counts towards what at-most-once allows: a rejected one may have landed.
        p.attempts++;
        if (e.type === 'publish-acked') p.acked = true;
        else {
          publishRejections++;
          if (!p.acked) p.rejectedFirst = true;
        }
        break;
      }
      case 'processed':
        processings++;
        processed.set(e.id, [...(processed.get(e.id) ?? []), e]);
        break;
      case 'dead-lettered':
        deadLettered.add(e.id);
        break;
      case 'consumer-killed':
        kills.set(e.consumer, [...(kills.get(e.consumer) ?? []), e.at]);
        break;
    }
  }

  // An attempt without an outcome was in flight when its publisher was killed: it counts as an
  // attempt (it may have landed) but, unacknowledged, it can never be lost.
  let unconfirmed = 0;
  for (const p of published.values()) {
    unconfirmed += Math.max(0, p.started - p.attempts);
    p.attempts = Math.max(p.attempts, p.started);
    publishAttempts += p.attempts;
  }
  // An id acknowledged after rejected attempts is acknowledged: lost without an outcome, and
  // not `recovered` (that is for ids the broker had though every publish of them was unconfirmed).
  const lost: string[] = [];
  const recovered: string[] = [];
  for (const [id, p] of published) {
    const outcome = processed.has(id) || deadLettered.has(id);
    if (p.acked && !outcome) lost.push(id);
    if (!p.acked && processed.has(id)) recovered.push(id);
  }
  const unexpected = [...new Set([...processed.keys(), ...deadLettered])].filter((id) => !published.has(id));

  const reordered = reordersOf(events, published);
  const faults = recoveriesOf(events);
  const duplicated: DuplicatedId[] = [];
  for (const [id, times] of processed) {
    const attempts = published.get(id)?.attempts ?? 1;
    // Exactly-once collapses every publish of one idempotency key into one effect; the other
    // guarantees are about delivery, so each publish may be processed once (at-least-once: more).
    const limit = spec.guarantee === 'exactly-once' ? 1 : attempts;
    const countsAsDuplicate = spec.guarantee === 'at-least-once' ? times.length > 1 : times.length > limit;
    if (countsAsDuplicate)
      duplicated.push({
        id,
        times: times.length,
        limit,
        inCrashWindow: killedSoonAfter(times[0], kills, spec.crashWindowMs ?? 0),
      });
  }

  return {
    counts: {
      published: published.size,
      publishAttempts,
      acknowledged: [...published.values()].filter((p) => p.acked).length,
      rejected: [...published.values()].filter((p) => !p.acked).length,
      publishRejections,
      unconfirmedPublishes: unconfirmed,
      ackedAfterRejection: [...published.values()].filter((p) => p.acked && p.rejectedFirst).length,
      processed: processed.size,
      processings,
      deadLettered: deadLettered.size,
      lost: lost.length,
      duplicated: duplicated.length,
      unexpected: unexpected.length,
      recovered: recovered.length,
      reordered: reordered.length,
      consumerKills: [...kills.values()].reduce((n, k) => n + k.length, 0),
      faults: faults.length,
    },
    lost,
    duplicated,
    unexpected,
    recovered,
    reordered,
    faults,
    unhealthy: unhealthyOf(events),
  };
}

function killedSoonAfter(first: ProcessedEvent, kills: Map<string, number[]>, windowMs: number): boolean {
  return (kills.get(first.consumer) ?? []).some((at) => at >= first.at && at - first.at <= windowMs);
}

/**
 * Per key, the first processing of each id must come in publish order (seq). Later processings of
 * an id (redeliveries) are not reorders: a broker replaying from the last commit repeats, in order.
 */
function reordersOf(
  events: readonly LedgerEvent[],
  published: ReadonlyMap<string, Published>,
): ReorderedId[] {
  const highest = new Map<string, number>();
  const seen = new Set<string>();
  const reordered: ReorderedId[] = [];
  for (const e of events) {
    if (e.type !== 'processed' || seen.has(e.id) || !published.has(e.id)) continue;
    seen.add(e.id);
    const top = highest.get(e.key);
    if (top !== undefined && e.seq < top) reordered.push({ id: e.id, key: e.key, seq: e.seq, afterSeq: top });
    else highest.set(e.key, e.seq);
  }
  return reordered;
}
