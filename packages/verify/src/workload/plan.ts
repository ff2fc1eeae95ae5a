import { seeded } from './seeded';
import type { Fault, WorkloadOptions } from './options';

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

export const isPoison = (o: WorkloadOptions, id: string): boolean =>
  seeded(o.seed, 'poison', id) < o.poisonRate;

/**
 * One planned fault: when this many outcomes (processed + dead-lettered) are in, inject `fault`
 * (`slot`: the consumer or publisher a kill hits; `durationMs`: how long a cut or stall lasts).
 */
export interface PlannedFault {
  readonly fault: Fault;
  readonly afterOutcomes: number;
  readonly slot: number;
  readonly durationMs: number;
}

/**
 * Every fault of the run (`kills` and `publisherKills` kills, one cut, one stall, one broker restart, as `faults` asks) spread over the
 * middle of the run (20-80 % of the messages), each in its own seeded share of it, in order of
 * `afterOutcomes`. The runner injects them one at a time, so two faults never overlap.
 */
export function faultSchedule(o: WorkloadOptions): PlannedFault[] {
  const kinds: Fault[] = [];
  for (const fault of o.faults)
    if (fault === 'kill-consumer') kinds.push(...Array.from({ length: o.kills }, () => fault));
    else if (fault === 'kill-publisher') kinds.push(...Array.from({ length: o.publisherKills }, () => fault));
    else kinds.push(fault);
  // Which fault takes which share of the run is seeded too.
  const order = kinds
    .map((fault, i) => ({ fault, rank: seeded(o.seed, 'fault-order', fault, i) }))
    .sort((a, b) => a.rank - b.rank);
  return order.map(({ fault }, k) => ({
    fault,
    afterOutcomes: Math.floor(
      o.messages * (0.2 + (0.6 * (k + seeded(o.seed, 'fault-at', k))) / kinds.length),
    ),
    slot: Math.floor(
      seeded(o.seed, 'kill-slot', k) * (fault === 'kill-publisher' ? o.publishers : o.consumers),
    ),
    durationMs: 1_000 * (fault === 'cut' ? o.cutSeconds : fault === 'stall' ? o.stallSeconds : 0),
  }));
}
