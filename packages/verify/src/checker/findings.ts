import type { Fault } from '../workload/options';

/** A message processed more often than its guarantee allows (or, for at-least-once, more than once). */
export interface DuplicatedId {
  readonly id: string;
  /** How many `processed` events the id has. */
  readonly times: number;
  /** How many the guarantee allows: 1 for exactly-once, one per publish attempt otherwise. */
  readonly limit: number;
  /**
   * The id's first processing was by a consumer SIGKILLed within `crashWindowMs` after it: the
   * window between a handler's effect and the idempotency store's `complete`.
   */
  readonly inCrashWindow: boolean;
}

/** A message processed, for the first time, after a later message of its key. */
export interface ReorderedId {
  readonly id: string;
  readonly key: string;
  readonly seq: number;
  /** The highest seq of the key processed before it. */
  readonly afterSeq: number;
}

/** A fault of the run and how long the run took to come back from it (ms; absent: never seen). */
export interface FaultRecovery {
  readonly fault: Fault;
  /** Its number in the run, from 0. */
  readonly n: number;
  readonly startedAt: number;
  /** Absent when the run ended during the fault. */
  readonly endedAt?: number;
  readonly durationMs?: number;
  /** The killed consumer, for `kill-consumer`. */
  readonly consumer?: string;
  /** The killed publisher, for `kill-publisher`. */
  readonly publisher?: string;
  /** From the end to the next `processed` event, any consumer. */
  readonly recoveryMs?: number;
  /** From the end to the next acknowledged publish (absent when the publishers were done). */
  readonly publishRecoveryMs?: number;
  /** Rejected publish attempts from its start until the next fault's start. */
  readonly rejectedPublishes: number;
  /**
   * Consumers that processed before a cut or stall, were not killed, and processed nothing after
   * it: a connection that never came back, or only nothing left for them to do.
   */
  readonly silentConsumers: readonly string[];
}

/** A consumer whose `bus.health()` was not ok when it was told to stop, at the end of the run. */
export interface UnhealthyConsumer {
  readonly consumer: string;
  readonly detail: string;
}

export interface Counts {
  /** Distinct ids the publishers tried to publish. */
  readonly published: number;
  /** Publish calls, duplicate publishes of one id included. */
  readonly publishAttempts: number;
  /** Distinct ids with at least one publish acknowledged. */
  readonly acknowledged: number;
  /** Distinct ids with no publish acknowledged (every one rejected, or in flight at a kill). */
  readonly rejected: number;
  /** Rejected publish attempts in all (each is retried with the same id until acknowledged). */
  readonly publishRejections: number;
  /** Publish attempts in flight when their publisher was SIGKILLed: neither acked nor rejected. */
  readonly unconfirmedPublishes: number;
  /** Distinct ids acknowledged after at least one rejected attempt: judged as acknowledged. */
  readonly ackedAfterRejection: number;
  /** Distinct ids processed at least once. */
  readonly processed: number;
  /** `processed` events in all (redeliveries and duplicates included). */
  readonly processings: number;
  readonly deadLettered: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly unexpected: number;
  readonly recovered: number;
  readonly reordered: number;
  readonly consumerKills: number;
  /** Faults injected: kills, cuts, stalls and broker restarts. */
  readonly faults: number;
}

/** What the ledger shows, before any rule is applied. */
export interface Findings {
  readonly counts: Counts;
  /** Acknowledged but neither processed nor dead-lettered. */
  readonly lost: string[];
  readonly duplicated: DuplicatedId[];
  /** Processed or dead-lettered, but never published. */
  readonly unexpected: string[];
  /** No publish acknowledged (rejected, or in flight at a kill), yet processed: the broker had it after all (not a failure). */
  readonly recovered: string[];
  readonly reordered: ReorderedId[];
  readonly faults: FaultRecovery[];
  readonly unhealthy: UnhealthyConsumer[];
}
