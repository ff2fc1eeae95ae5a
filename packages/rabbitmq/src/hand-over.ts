import type { ConsumeMessage } from 'amqplib';
import type { Guarantee, Logger, TransportMessage } from '@polybus/core';
import {
  retryInPlace,
  settleForgotten,
  type DeliveryHandler,
  type GateJob,
  type InPlaceRetryHost,
  type NextAttempt,
} from '@polybus/core/transport';
import type { ConsumerChannel } from './consumer-channel';
import { RabbitDelivery, type DeliveryScope } from './delivery';

/** What a hand-over needs from its subscription. */
export interface HandOverHost {
  readonly handler: DeliveryHandler;
  readonly scope: DeliveryScope;
  readonly guarantee: Guarantee;
  readonly logger: Logger;
  /** True once the subscription is closing. */
  readonly closed: boolean;
  /** Resolves after `ms`, or early when the subscription closes. */
  sleep(ms: number): Promise<void>;
}

/**
 * One message waiting for, then holding, a gate slot. The success path is one `then` per
 * message (no async frame, no named closure); held retries (per-key bindings) run in place
 * (`retryInPlace`), and a delivery its handler left unsettled comes back (`settleForgotten`).
 */
export class HandOver implements GateJob, InPlaceRetryHost<RabbitDelivery> {
  readonly key: string | undefined;

  constructor(
    private readonly host: HandOverHost,
    readonly channel: ConsumerChannel,
    readonly msg: ConsumeMessage,
    private readonly message: TransportMessage,
  ) {
    this.key = message.key;
  }

  get handler(): DeliveryHandler {
    return this.host.handler;
  }

  run(): Promise<void> {
    // at-most-once: acked before the handler runs, so a crash cannot cause a second delivery.
    if (this.host.guarantee === 'at-most-once' && !this.channel.ackNow(this.msg)) return Promise.resolve();
    const delivery = this.again(undefined, undefined);
    return this.host.handler(delivery).then(
      () => this.after(delivery),
      (error: unknown) => {
        this.rejected(delivery, error);
        return this.after(delivery);
      },
    );
  }

  private after(delivery: RabbitDelivery): Promise<void> | undefined {
    return delivery.held === undefined
      ? this.forgotten(delivery)
      : retryInPlace<RabbitDelivery>(delivery, this);
  }

  private forgotten(delivery: RabbitDelivery): Promise<void> | undefined {
    return settleForgotten(delivery, delivery.isSettled, this.host.logger, 'rabbitmq');
  }

  /** InPlaceRetryHost: the held retry, or the end (settled, or given back when forgotten). */
  async next(delivery: RabbitDelivery): Promise<NextAttempt | undefined> {
    if (delivery.held !== undefined) return delivery.held;
    await this.forgotten(delivery);
    return undefined;
  }

  wait(ms: number): Promise<void> {
    return this.host.sleep(ms);
  }

  stopped(): boolean {
    if (this.host.closed) {
      this.channel.requeue(this.msg); // the broker keeps it for the next consumer
      return true;
    }
    return !this.channel.open; // the broker redelivers it on the new channel
  }

  again(_previous: RabbitDelivery | undefined, attempt: number | undefined): RabbitDelivery {
    return new RabbitDelivery(this.msg, this.message, this.channel, this.host.scope, attempt);
  }

  rejected(_delivery: RabbitDelivery, error: unknown): void {
    this.host.logger.error('rabbitmq delivery handler rejected', {
      topic: this.host.scope.topic,
      error: (error as Error).message,
    });
  }
}
