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

export interface Counts {
  /** Distinct ids the publishers tried to publish. */
  readonly published: number;
  /** Publish calls, duplicate publishes of one id included. */
  readonly publishAttempts: number;
  /** Distinct ids with at least one publish acknowledged. */
  readonly acknowledged: number;
  /** Distinct ids whose every publish was rejected. */
  readonly rejected: number;
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
}

/** What the ledger shows, before any rule is applied. */
export interface Findings {
  readonly counts: Counts;
  /** Acknowledged but neither processed nor dead-lettered. */
  readonly lost: string[];
  readonly duplicated: DuplicatedId[];
  /** Processed or dead-lettered, but never published. */
  readonly unexpected: string[];
  /** Every publish rejected, yet processed: the broker had it after all (not a failure). */
  readonly recovered: string[];
  readonly reordered: ReorderedId[];
}
