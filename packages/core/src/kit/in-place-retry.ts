import type { Delivery } from '../transport';
import type { Logger } from '../logger';

/** What an attempt left for its message: another attempt, after a wait. */
export interface NextAttempt {
  /** How long to wait before the next attempt; 0: at once. */
  readonly delayMs: number;
  /** The next attempt's number (`Delivery.attempt`). */
  readonly attempt: number;
}

/** What `retryInPlace` asks of the adapter, for deliveries of type `D`. */
export interface InPlaceRetryHost<D> {
  /**
   * After an attempt: undefined when its message is settled (done), else the next attempt. May
   * wait, for a settlement in progress, or give the message back (and answer undefined).
   */
  next(delivery: D): NextAttempt | undefined | Promise<NextAttempt | undefined>;
  /** Resolves after `ms`, or early when the message stops being ours (see `stopped`). */
  wait(ms: number, delivery: D): Promise<void>;
  /** Asked after each wait: true ends the loop, the message left to the broker (closing, revoked). */
  stopped(delivery: D): boolean;
  /** A delivery of the same message for `attempt`. */
  again(previous: D, attempt: number): D;
  readonly handler: (delivery: D) => Promise<void>;
  /** The handler rejected (it should not: it settles instead); logged, the loop goes on. */
  rejected(delivery: D, error: unknown): void;
}

/**
 * A message handed to its handler again, in this process, until an attempt settles it: for
 * brokers where a retry cannot go back through the broker without losing its key's turn or its
 * partition's commit point (Kafka; per-key RabbitMQ bindings). Called after the first attempt,
 * only when it did not settle: the common path never comes here. Never rejects.
 */
export async function retryInPlace<D>(first: D, host: InPlaceRetryHost<D>): Promise<void> {
  let delivery = first;
  for (;;) {
    const next = await host.next(delivery);
    if (next === undefined) return;
    if (next.delayMs > 0) await host.wait(next.delayMs, delivery);
    if (host.stopped(delivery)) return;
    delivery = host.again(delivery, next.attempt);
    try {
      await host.handler(delivery);
    } catch (error) {
      host.rejected(delivery, error);
    }
  }
}

/** How long a delivery its handler left unsettled waits before it comes back. */
export const FORGOTTEN_DELAY_MS = 1_000;

/**
 * After the handler: a delivery it left unsettled (the contract says it settles; a bug or a failed
 * nack may not) is nacked to come back after `FORGOTTEN_DELAY_MS`, with a warning, so neither the
 * message nor its slot is held until the process ends and a handler that always forgets does not
 * spin. Undefined, and nothing done, when it was settled: the common case.
 */
export function settleForgotten(
  delivery: Delivery,
  settled: boolean,
  logger: Logger,
  broker: string,
): Promise<void> | undefined {
  if (settled) return undefined;
  logger.warn(`${broker}: delivery left unsettled by its handler; it comes back in 1 s`, {
    topic: delivery.message.topic,
    id: delivery.message.id,
  });
  return delivery.nack({ delayMs: FORGOTTEN_DELAY_MS });
}
