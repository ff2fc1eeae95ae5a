import type { Message } from '../message';
import type { IdempotencyScope } from '../idempotency-store';
import type { Delivery, DeliveryTransaction } from '../transport';

/** The state of one delivery as it goes through the middleware chain. */
export interface Processing {
  readonly delivery: Delivery;
  /** Current attempt: starts at `delivery.attempt`, grows with each in-process retry. */
  attempt: number;
  /** Decoded (and validated) message; set by the decode step. */
  message: Message | undefined;
  /** True once ack, nack, deadLetter or a transaction commit settled the delivery. */
  settled: boolean;
  transaction: DeliveryTransaction | undefined;
  scope: IdempotencyScope | undefined;
  /** Created on demand: most handlers never read `ctx.signal`. */
  controller: AbortController | undefined;
}

export type Step = (p: Processing) => Promise<void>;

/** A policy: wraps the rest of the chain. One file each, with its test beside it. */
export type Middleware = (next: Step) => Step;

export function newProcessing(delivery: Delivery): Processing {
  return {
    delivery,
    attempt: delivery.attempt,
    message: undefined,
    settled: false,
    transaction: undefined,
    scope: undefined,
    controller: undefined,
  };
}
