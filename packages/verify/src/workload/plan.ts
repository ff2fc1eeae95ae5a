import { seeded } from './seeded';
import type { WorkloadOptions } from './options';

/** The body every workload message carries: the ledger's coordinates travel with it. */
export interface WorkloadMessage {
  readonly id: string;
  readonly key: string;
  readonly seq: number;
}

/** Message `i` of the run: keys are dealt round-robin, so each key's seq counts its own messages. */
export function messageAt(i: number, keys: number): WorkloadMessage {
  return { id: `m${i}`, key: `k${i % keys}`, seq: Math.floor(i / keys) };
}

/**
 * What publisher `p` publishes, one list per key it owns, in seq order. A key belongs to exactly
 * one publisher, so its publish order is well defined.
 */
export function publisherPlan(o: WorkloadOptions, p: number): WorkloadMessage[][] {
  const perKey = new Map<string, WorkloadMessage[]>();
  for (let i = 0; i < o.messages; i++) {
    if ((i % o.keys) % o.publishers !== p) continue;
    const m = messageAt(i, o.keys);
    perKey.set(m.key, [...(perKey.get(m.key) ?? []), m]);
  }
  return [...perKey.values()];
}

export const publishesTwice = (o: WorkloadOptions, id: string): boolean =>
  seeded(o.seed, 'duplicate', id) < o.duplicatePublishRate;

export const failsPermanently = (o: WorkloadOptions, id: string): boolean =>
  seeded(o.seed, 'permanent', id) < o.permanentFailureRate;

export const failsTransiently = (o: WorkloadOptions, id: string, attempt: number): boolean =>
  seeded(o.seed, 'transient', id, attempt) < o.transientFailureRate;

/** One planned SIGKILL: when this many outcomes (processed + dead-lettered) are in, kill `slot`. */
export interface PlannedKill {
  readonly afterOutcomes: number;
  readonly slot: number;
}

/** Kills spread over the middle of the run (20-80 % of the messages), in order of `afterOutcomes`. */
export function killSchedule(o: WorkloadOptions): PlannedKill[] {
  if (!o.faults.includes('kill-consumer')) return [];
  return Array.from({ length: o.kills }, (_, k) => ({
    afterOutcomes: Math.floor(o.messages * (0.2 + (0.6 * (k + seeded(o.seed, 'kill-at', k))) / o.kills)),
    slot: Math.floor(seeded(o.seed, 'kill-slot', k) * o.consumers),
  }));
}
