import type { TransportMessage } from '../message';

const NONE: readonly TransportMessage[] = [];

/**
 * The messages one attempt's handler published (`ctx.publish`) while an idempotency store guards
 * it: kept in memory until the handler returns, then recorded with the completion mark and sent
 * (store and forward). Once the attempt ended, a late `ctx.publish` (a handler that outlived its
 * timeout) throws instead of sending an output of a failed attempt.
 */
export class Outbox {
  private messages: TransportMessage[] | undefined = undefined;
  private ended = false;

  add(message: TransportMessage): void {
    if (this.ended) throw new Error('ctx.publish after the attempt ended: the output is not sent');
    (this.messages ??= []).push(message);
  }

  /** Ends the attempt; what it published, in order. */
  end(): readonly TransportMessage[] {
    this.ended = true;
    return this.messages ?? NONE;
  }
}
