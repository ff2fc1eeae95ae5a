import type { ResolvedBinding } from './bind-options';
import type { BindingHealth } from './bus-api';
import { backoffDelay } from './engine/backoff';
import { calledWithin } from './engine/called-within';
import { buildChain } from './engine/chain';
import { newCounters, type BindingCounters } from './engine/counters';
import { InFlight } from './engine/in-flight';
import { expireOverdue, timeoutTick } from './engine/timeout';
import { Processing, type Step } from './engine/processing';
import type { BindingRuntime, EncodeOptions } from './engine/runtime';
import type { Handler } from './handler';
import type { Logger } from './logger';
import type { TransportMessage } from './message';
import type { Delivery, DeliveryHandler, Subscription, Transport } from './transport';

export interface DispatcherDeps {
  transport: Transport;
  logger: Logger;
  stopping: AbortSignal;
  ownerPrefix: string;
  encode(topic: string, body: unknown, options: EncodeOptions): TransportMessage;
}

/**
 * One binding at run time: feeds the transport's deliveries through the binding's chain, keeps
 * track of the ones in flight so `stop` can drain them, and makes sure a delivery is never left
 * unsettled by a failure the chain did not handle (it is handed back to the broker).
 */
export class Dispatcher {
  readonly counters: BindingCounters = newCounters();
  readonly inFlight = new InFlight<Processing>();
  subscription: Subscription | undefined;
  private readonly chain: Step;
  private readonly runtime: BindingRuntime;
  private idle: (() => void) | undefined;
  /** Runs `expireOverdue` while deliveries are in flight on a binding with a timeout. */
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    readonly binding: ResolvedBinding,
    handler: Handler<unknown>,
    deps: DispatcherDeps,
  ) {
    this.runtime = { ...deps, binding, handler, counters: this.counters };
    this.chain = buildChain(this.runtime);
  }

  readonly handle: DeliveryHandler = (delivery: Delivery) => {
    const p = new Processing(delivery, this.runtime);
    this.counters.received++;
    this.inFlight.add(p);
    if (this.watchdog === undefined && this.binding.timeoutMs !== undefined)
      this.watch(this.binding.timeoutMs);
    let run: Promise<void>;
    try {
      run = this.chain(p);
    } catch (error) {
      run = Promise.reject(error);
    }
    // `then` with two small closures instead of an async frame per message (hot path).
    return run.then(
      () => this.done(p),
      (error: unknown) => this.rescue(p, error),
    );
  };

  /**
   * What a health read at `now` sees of this binding: its counters, when progress was last
   * observed (the first read that found `processed` grown, so accurate to the interval between
   * reads), the age of the oldest delivery in flight and how many are older than `stuckAfterMs`.
   * Reads stamp the deliveries they see; the hot path stamps nothing.
   */
  health(now: number, stuckAfterMs: number): BindingHealth {
    if (this.counters.processed !== this.observedProcessed) {
      this.observedProcessed = this.counters.processed;
      this.observedAt = now;
    }
    let oldest = now;
    let stuck = 0;
    for (const p of this.inFlight) {
      const seen = (p.seenAt ??= now);
      if (seen < oldest) oldest = seen;
      if (now - seen > stuckAfterMs) stuck++;
    }
    const { topic, group, guarantee } = this.binding;
    return {
      topic,
      group,
      guarantee,
      inFlight: this.inFlight.size,
      counters: { ...this.counters },
      lastProcessedAt: this.observedAt,
      oldestInFlightMs: now - oldest,
      stuck,
    };
  }
  private observedProcessed = 0;
  private observedAt: number | undefined;

  /** Checks the timed attempts a few times per `timeoutMs`; stops itself once nothing is in flight. */
  private watch(timeoutMs: number): void {
    this.watchdog = setInterval(() => {
      if (this.inFlight.size > 0) return expireOverdue(this.inFlight, Date.now(), timeoutMs);
      clearInterval(this.watchdog);
      this.watchdog = undefined;
    }, timeoutTick(timeoutMs));
    this.watchdog.unref();
  }

  private done(p: Processing): void {
    this.inFlight.remove(p);
    if (this.idle !== undefined && this.inFlight.size === 0) this.idle();
  }

  /** The chain failed to settle (e.g. the dead letter could not be written): hand it back. */
  private async rescue(p: Processing, error: unknown): Promise<void> {
    const { binding, logger } = this.runtime;
    logger.error('message could not be settled; handing it back to the broker', {
      topic: binding.topic,
      group: binding.group,
      id: p.delivery.message.id,
      error,
    });
    if (!p.settled)
      await p.delivery
        .nack({ delayMs: backoffDelay(p.attempt, binding.retry), attempt: p.attempt })
        .catch((nackError: unknown) =>
          logger.error('nack failed; the broker will redeliver', { error: nackError }),
        );
    this.done(p);
  }

  /** Resolves when nothing is in flight, or after `timeoutMs` (then aborts handlers' signals). */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.inFlight.size === 0) return true;
    const drained = await calledWithin((done) => (this.idle = done), timeoutMs);
    this.idle = undefined;
    // A snapshot: an abort listener may settle its delivery, which unlinks it from the list.
    if (!drained) for (const p of [...this.inFlight]) p.controller?.abort(new Error('bus stopped'));
    return drained;
  }
}
