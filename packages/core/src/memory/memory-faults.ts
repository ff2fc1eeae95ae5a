/**
 * Faults the memory transport injects, for tests and demos of the guarantees. Rates are
 * probabilities in [0, 1]; change them at any time through `transport.faults`.
 */
export interface MemoryFaults {
  /** A publish call rejects with `PublishError` (nothing of it is stored). */
  publishFailureRate?: number;
  /** An ack is lost on the way: the lease expires and the message is delivered again. */
  ackDropRate?: number;
  /** A delivery is also handed out a second time, as brokers do after a network blip. */
  duplicateDeliveryRate?: number;
}
