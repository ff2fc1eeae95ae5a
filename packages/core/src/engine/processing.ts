import type { HandlerContext } from '../handler';
import type { IdempotencyScope } from '../idempotency-store';
import { childLogger, type Logger } from '../logger';
import type { Message, PublishOptions, PublishReceipt } from '../message';
import type { Delivery, DeliveryTransaction } from '../transport';
import { Headers } from '../headers';
import type { InFlightLink } from './in-flight';
import type { Outbox } from './outbox';
import type { BindingRuntime } from './runtime';

/**
 * The state of one delivery as it goes through the middleware chain. It is also the handler's
 * `ctx` (one object per delivery, not two: this is the hot path); the handler's type shows only
 * `HandlerContext`.
 */
export class Processing implements HandlerContext, InFlightLink {
  /**
   * Epoch ms of the first `bus.health()`/`stats()` read that saw this delivery in flight: stuck
   * handlers are told by it. Stamped by the reads, not per delivery (a clock read is ~5 % of the
   * engine's cost per message), so an age is short by at most the interval between reads.
   */
  seenAt: number | undefined = undefined;
  /** Current attempt: starts at `delivery.attempt`, grows with each in-process retry. */
  attempt: number;
  /** Decoded (and validated) message; set by the decode step. */
  message: Message | undefined = undefined;
  /** True once ack, nack, deadLetter or a transaction commit settled the delivery. */
  settled = false;
  /** The broker transaction of this attempt (exactly-once on Kafka). */
  tx: DeliveryTransaction | undefined = undefined;
  /** The attempt's outbox while an idempotency store guards it: `ctx.publish` is kept until the handler returns. */
  outbox: Outbox | undefined = undefined;
  /** The idempotency store's transaction scope (an inbox). */
  scope: IdempotencyScope | undefined = undefined;
  /** Created on demand, as `controller`: most handlers never log. */
  private logger: Logger | undefined = undefined;
  /** Created on demand: most handlers never read `ctx.signal`. */
  controller: AbortController | undefined = undefined;
  /** While a timed attempt runs: fails it (see `timeout`). */
  expire: ((error: unknown) => void) | undefined = undefined;
  /** Epoch ms of the first `expireOverdue` that saw the current timed attempt. */
  timedSince: number | undefined = undefined;
  /** The dispatcher's in-flight list (see `InFlight`). */
  prevInFlight: InFlightLink | undefined = undefined;
  nextInFlight: InFlightLink | undefined = undefined;

  constructor(
    readonly delivery: Delivery,
    private readonly rt: BindingRuntime,
  ) {
    this.attempt = delivery.attempt;
  }

  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }
  /** The bus's logger with the delivery's topic, group and id on every entry; made on first use. */
  get log(): Logger {
    return (this.logger ??= childLogger(this.rt.logger, {
      topic: this.rt.binding.topic,
      group: this.rt.binding.group,
      id: this.delivery.message.id,
    }));
  }
  get group(): string {
    return this.rt.binding.group;
  }
  get transaction(): unknown {
    return this.scope?.transaction;
  }

  async publish<T>(
    topic: string,
    body: T,
    options: Omit<PublishOptions, 'guarantee'> = {},
  ): Promise<PublishReceipt> {
    const rt = this.rt;
    const traceparent = this.delivery.message.headers[Headers.traceparent];
    const headers =
      traceparent && !options.headers?.[Headers.traceparent]
        ? { ...options.headers, [Headers.traceparent]: traceparent }
        : options.headers;
    const message = rt.encode(topic, body, { ...options, headers });
    if (this.scope?.publish) await this.scope.publish([message]);
    else if (this.outbox) this.outbox.add(message);
    else if (this.tx) await this.tx.publish([message]);
    else await rt.transport.publish([message], { guarantee: rt.binding.guarantee });
    return { id: message.id, topic };
  }
}

export type Step = (p: Processing) => Promise<void>;

/** A policy of the guarantee engine: wraps the rest of the chain. One file each, with its test beside it. */
export type Policy = (next: Step) => Step;
