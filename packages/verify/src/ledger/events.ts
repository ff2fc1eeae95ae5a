import type { Guarantee } from '@polybus/core';
import type { Fault } from '../workload/options';

/**
 * One line of a ledger. Every process of a run appends its own events; the checker reads the merge.
 * `at` is `performance.timeOrigin + performance.now()` of the writing process (one machine, one
 * clock), used only to order the processing of one key across consumers.
 */
export type LedgerEvent =
  | PublishAttemptedEvent
  | PublishAckedEvent
  | PublishRejectedEvent
  | ProcessedEvent
  | DeadLetteredEvent
  | ConsumerKilledEvent
  | FaultStartedEvent
  | FaultEndedEvent
  | ConsumerHealthEvent;

/**
 * A publish of `id` is about to be made (written before `bus.publish` is called). An attempt with
 * no `publish-acked`/`publish-rejected` after it was in flight when its publisher was SIGKILLed:
 * the broker may or may not have it, so it is neither lost nor, if processed, unexpected.
 */
export interface PublishAttemptedEvent {
  readonly type: 'publish-attempted';
  readonly id: string;
  readonly key: string;
  readonly seq: number;
  readonly copy: number;
  readonly at: number;
}

/** The broker acknowledged a publish of `id` (for at-most-once publishes: the client took it). */
export interface PublishAckedEvent {
  readonly type: 'publish-acked';
  readonly id: string;
  readonly key: string;
  /** Position of `id` among its key's messages, from 0, in publish order. */
  readonly seq: number;
  /** 0 for the first publish of `id`; 1, 2... for deliberate duplicate publishes (same idempotency key). */
  readonly copy: number;
  readonly at: number;
}

/**
 * A publish of `id` failed: the broker may or may not have it. The publisher tries again with the
 * same id and idempotency key (what a user does), so a `publish-acked` of the same `copy` may follow.
 */
export interface PublishRejectedEvent {
  readonly type: 'publish-rejected';
  readonly id: string;
  readonly key: string;
  readonly seq: number;
  readonly copy: number;
  readonly error: string;
  readonly at: number;
}

/** The handler finished `id` (its effect applied) in consumer process `consumer`. */
export interface ProcessedEvent {
  readonly type: 'processed';
  readonly id: string;
  readonly key: string;
  readonly seq: number;
  readonly consumer: string;
  readonly at: number;
}

/** `id` reached the dead-letter topic with `polybus-dlq-reason` = `reason`. */
export interface DeadLetteredEvent {
  readonly type: 'dead-lettered';
  readonly id: string;
  readonly reason: string;
  readonly at: number;
}

/** The runner SIGKILLed consumer process `consumer` (the fault, recorded for the report). */
export interface ConsumerKilledEvent {
  readonly type: 'consumer-killed';
  readonly consumer: string;
  readonly at: number;
}

/**
 * The runner injected fault number `n` of the run. For `kill-consumer`, `consumer` is the victim,
 * for `kill-publisher`, `publisher`; for `cut`, `stall` and `broker-restart`, every worker's
 * connections to the broker are hit.
 */
export interface FaultStartedEvent {
  readonly type: 'fault-started';
  readonly fault: Fault;
  readonly n: number;
  readonly consumer?: string;
  readonly publisher?: string;
  readonly at: number;
}

/**
 * Fault `n` is over: the network is restored or resumed, the killed consumer's (publisher's)
 * replacement `consumer` (`publisher`) is started, or the restart command exited. Recovery is
 * measured from here.
 */
export interface FaultEndedEvent {
  readonly type: 'fault-ended';
  readonly fault: Fault;
  readonly n: number;
  readonly consumer?: string;
  readonly publisher?: string;
  readonly at: number;
}

/** A consumer process's `bus.health()` when the runner told it to stop, at the end of the run. */
export interface ConsumerHealthEvent {
  readonly type: 'consumer-health';
  readonly consumer: string;
  readonly ok: boolean;
  /** What was not ok (the transport's detail, or the bus state), when `ok` is false. */
  readonly detail?: string;
  readonly at: number;
}

/** What the checker is told about the run besides the events. */
export interface RunSpec {
  readonly guarantee: Guarantee;
  /** Whether the consumers were bound with `ordering: 'per-key'`: only then is a reorder a failure. */
  readonly perKeyOrdering: boolean;
  /**
   * A duplicate whose first processing was by a consumer SIGKILLed at most this long afterwards is
   * in the idempotency store's documented crash window (effect written, `complete` not yet):
   * reported apart and not a failure. Default 0: every duplicate counts.
   */
  readonly crashWindowMs?: number;
}

export const now = (): number => performance.timeOrigin + performance.now();
