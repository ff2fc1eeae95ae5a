import type { Logger, TransportMessage } from '@polybus/core';
import {
  backoffDelay,
  retryInPlace,
  sleep,
  type BackoffPolicy,
  type DeliveryHandler,
  type Slots,
} from '@polybus/core/transport';
import { KafkaDelivery, type Settler } from './delivery';
import { attemptOf } from './wire';

/** What a record's hand-over needs to know of where it came from (its partition's state). */
export interface HandOverSource {
  readonly partition: number;
  /** The partition left this member: records not yet handed over stay for the next owner. */
  readonly revoked: boolean;
  /** Present on exactly-once partitions: deliveries then offer `transaction()`. */
  readonly txn?: unknown;
  /** Aborted when the partition leaves this member or the subscription closes: waits end early. */
  readonly left: AbortController;
}

export interface HandOverDeps<S> {
  readonly handler: DeliveryHandler;
  /** The record's slot, taken by the caller, is given back here once it is settled or abandoned. */
  readonly slots: Slots;
  readonly logger: Logger;
  readonly settler: Settler<S>;
  /** The subscription is closing: records not yet handed over stay uncommitted. */
  closing(): boolean;
}

const RESOLVED = Promise.resolve();

/** A delivery the core returned unsettled: 0.5 s doubling to 30 s before it is handed over again. */
const UNSETTLED_BACKOFF: BackoffPolicy = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: false,
};

/**
 * Hands records to the core one delivery at a time until each is settled. Kafka has no per-message
 * redelivery, so a nack (or a handler that returned without settling) hands the same record over
 * again in place, keeping its key's turn and its partition's commit point. This runs once per
 * record: the common path (settled by the time the handler resolves) is one `then`, no async frame.
 */
export class HandOver<S extends HandOverSource> {
  constructor(private readonly deps: HandOverDeps<S>) {}

  /** Resolves (never rejects) once the record is settled or abandoned and its slot given back. */
  deliver(source: S, message: TransportMessage, offset: number, tracked: boolean): Promise<void> {
    if (this.deps.closing() || source.revoked) {
      this.deps.slots.give();
      return RESOLVED;
    }
    const delivery = this.newDelivery(source, message, attemptOf(message.headers), offset, tracked);
    let running: Promise<void>;
    try {
      running = this.deps.handler(delivery);
    } catch (error) {
      running = Promise.reject(error);
    }
    return running.then(
      () => this.afterHandler(source, delivery),
      (error: unknown) => {
        this.handlerRejected(delivery, error);
        return this.afterHandler(source, delivery);
      },
    );
  }

  private afterHandler(source: S, delivery: KafkaDelivery<S>): Promise<void> | undefined {
    if (delivery.state !== 'settled') return this.untilSettled(source, delivery);
    this.deps.slots.give();
    return undefined;
  }

  /** Off the hot path: waits for a settlement in progress, or hands the record over again in place. */
  private async untilSettled(source: S, first: KafkaDelivery<S>): Promise<void> {
    let unsettled = 0;
    try {
      await retryInPlace<KafkaDelivery<S>>(first, {
        handler: this.deps.handler,
        next: async (delivery) => {
          if (delivery.state === 'settling') await delivery.pending;
          if (delivery.state === 'settled') return undefined;
          const attempt = delivery.nextAttempt ?? delivery.attempt + 1;
          // The handler broke its contract (returned without settling). Hand the record over again
          // rather than leave the partition's commit point stuck, but not in a hot loop.
          if (delivery.state === 'open') return { delayMs: this.backOff(delivery, ++unsettled), attempt };
          return { delayMs: delivery.nextDelayMs ?? 0, attempt };
        },
        // A delayed nack's wait, or the backoff, ends early when the partition leaves or we close.
        wait: (ms) => sleep(ms, source.left.signal),
        stopped: () => this.deps.closing() || source.revoked,
        again: (previous, attempt) =>
          this.newDelivery(source, previous.message, attempt, previous.offset, previous.tracked),
        rejected: (delivery, error) => this.handlerRejected(delivery, error),
      });
    } finally {
      this.deps.slots.give();
    }
  }

  private newDelivery(
    source: S,
    message: TransportMessage,
    attempt: number,
    offset: number,
    tracked: boolean,
  ): KafkaDelivery<S> {
    const transactional = source.txn !== undefined;
    const delivery = new KafkaDelivery(
      message,
      attempt,
      source.partition,
      offset,
      source,
      this.deps.settler,
      transactional,
    );
    delivery.tracked = tracked;
    return delivery;
  }

  private handlerRejected(delivery: KafkaDelivery<S>, error: unknown): void {
    this.deps.logger.error('delivery handler rejected', {
      topic: delivery.message.topic,
      id: delivery.message.id,
      error: (error as Error).message,
    });
  }

  /** The wait before an unsettled record's next hand-over (warned: it is a handler bug). */
  private backOff(delivery: KafkaDelivery<S>, times: number): number {
    const waitMs = backoffDelay(times + 1, UNSETTLED_BACKOFF);
    this.deps.logger.warn('delivery returned unsettled; handing it over again', {
      topic: delivery.message.topic,
      id: delivery.message.id,
      offset: delivery.offset,
      waitMs,
    });
    return waitMs;
  }
}
