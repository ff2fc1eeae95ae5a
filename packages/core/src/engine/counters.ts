/** Per-binding counters, readable through `bus.health()`. Plain numbers: no per-message allocation. */
export interface BindingCounters {
  /** Deliveries handed to the binding. */
  received: number;
  /** Handler runs that succeeded. */
  processed: number;
  /** Handler runs that threw (every attempt counts). */
  failed: number;
  /** In-process retries. */
  retried: number;
  /** Deliveries handed back to the broker for a later (delayed) redelivery. */
  redelivered: number;
  deadLettered: number;
  /** Failed messages dropped because the binding has `deadLetter: false`. */
  dropped: number;
  /** Deliveries skipped because the idempotency store had them as completed. */
  duplicates: number;
  /** Of those duplicates, the ones that re-sent outputs the store kept (their first send had not been confirmed). */
  resent: number;
  /** Handler runs without the idempotency check because the store was down (fail-open). */
  failOpen: number;
}

export function newCounters(): BindingCounters {
  return {
    received: 0,
    processed: 0,
    failed: 0,
    retried: 0,
    redelivered: 0,
    deadLettered: 0,
    dropped: 0,
    duplicates: 0,
    resent: 0,
    failOpen: 0,
  };
}
