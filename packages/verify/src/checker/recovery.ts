import type { LedgerEvent } from '../ledger/events';
import type { FaultRecovery, UnhealthyConsumer } from './findings';

/**
 * How the run came back from each fault: from `fault-ended`, the time to the next `processed`
 * event (the consumers are working again) and to the next `publish-acked` (the publishers are).
 * Pure, like `findAnomalies`; `events` ordered by `at`.
 */
export function recoveriesOf(events: readonly LedgerEvent[]): FaultRecovery[] {
  const faults: Array<{ -readonly [K in keyof FaultRecovery]: FaultRecovery[K] }> = [];
  const byN = new Map<number, (typeof faults)[number]>();
  const killed = new Set<string>();
  const processedBy = new Map<string, number[]>();
  for (const e of events) {
    if (e.type === 'fault-started') {
      const f = {
        fault: e.fault,
        n: e.n,
        startedAt: e.at,
        ...(e.consumer !== undefined && { consumer: e.consumer }),
        ...(e.publisher !== undefined && { publisher: e.publisher }),
        rejectedPublishes: 0,
        silentConsumers: [],
      };
      faults.push(f);
      byN.set(e.n, f);
    } else if (e.type === 'fault-ended') {
      const f = byN.get(e.n);
      if (f) [f.endedAt, f.durationMs] = [e.at, e.at - f.startedAt];
    } else if (e.type === 'consumer-killed') killed.add(e.consumer);
    else if (e.type === 'processed')
      processedBy.set(e.consumer, [...(processedBy.get(e.consumer) ?? []), e.at]);
  }
  for (const [i, f] of faults.entries()) {
    const until = faults[i + 1]?.startedAt ?? Infinity;
    for (const e of events) {
      if (e.type === 'publish-rejected' && e.at >= f.startedAt && e.at < until) f.rejectedPublishes++;
      if (f.endedAt === undefined || e.at < f.endedAt) continue;
      if (e.type === 'processed' && f.recoveryMs === undefined) f.recoveryMs = e.at - f.endedAt;
      if (e.type === 'publish-acked' && f.publishRecoveryMs === undefined)
        f.publishRecoveryMs = e.at - f.endedAt;
    }
    // Consumers that worked before the fault, were never killed, and did nothing after it: a
    // connection that did not come back, or simply nothing left for them (a note, not a rule).
    const endedAt = f.endedAt;
    if (endedAt !== undefined && f.fault !== 'kill-consumer' && f.fault !== 'kill-publisher')
      f.silentConsumers = [...processedBy]
        .filter(([c, at]) => !killed.has(c) && at[0] < f.startedAt && at[at.length - 1] < endedAt)
        .map(([c]) => c);
  }
  return faults;
}

/** Consumers whose `bus.health()` was not ok at the end of the run. */
export function unhealthyOf(events: readonly LedgerEvent[]): UnhealthyConsumer[] {
  return events.flatMap((e) =>
    e.type === 'consumer-health' && !e.ok ? [{ consumer: e.consumer, detail: e.detail ?? '' }] : [],
  );
}
