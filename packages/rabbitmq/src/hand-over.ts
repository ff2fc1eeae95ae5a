import type { ConsumeMessage } from 'amqplib';
import type { Guarantee, Logger, TransportMessage } from '@polybus/core';
import type { DeliveryHandler, GateJob } from '@polybus/core/transport';
import type { ConsumerChannel } from './consumer-channel';
import { RabbitDelivery, type DeliveryScope, type HeldRetry } from './delivery';

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
 * message (no async frame, no named closure); held retries (per-key bindings) loop off it.
 */
export class HandOver implements GateJob {
  readonly key: string | undefined;

  constructor(
    private readonly host: HandOverHost,
    readonly channel: ConsumerChannel,
    readonly msg: ConsumeMessage,
    private readonly message: TransportMessage,
  ) {
    this.key = message.key;
  }

  run(): Promise<void> {
    // at-most-once: acked before the handler runs, so a crash cannot cause a second delivery.
    if (this.host.guarantee === 'at-most-once' && !this.channel.ackNow(this.msg)) return Promise.resolve();
    return this.attempt(undefined);
  }

  private attempt(override: number | undefined): Promise<void> {
    const delivery = new RabbitDelivery(this.msg, this.message, this.channel, this.host.scope, override);
    return this.host.handler(delivery).then(
      () => (delivery.held === undefined ? delivery.settleForgotten() : this.retryHeld(delivery.held)),
      (err: Error) => {
        this.host.logger.error('rabbitmq delivery handler rejected', {
          topic: this.host.scope.topic,
          error: err.message,
        });
        return delivery.held === undefined ? delivery.settleForgotten() : this.retryHeld(delivery.held);
      },
    );
  }

  private async retryHeld(held: HeldRetry): Promise<void> {
    await this.host.sleep(held.delayMs);
    if (this.host.closed) {
      this.channel.requeue(this.msg); // the broker keeps it for the next consumer
      return;
    }
    if (!this.channel.open) return; // the broker redelivers it on the new channel
    return this.attempt(held.attempt);
  }
}
