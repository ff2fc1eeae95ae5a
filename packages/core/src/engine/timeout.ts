import { HandlerTimeoutError } from '../errors/handler-timeout-error';
import type { Policy, Processing } from './processing';

/** What `bind` uses when `timeoutMs` is not given: 5 minutes, as Kafka's `max.poll.interval.ms`. */
export const DEFAULT_HANDLER_TIMEOUT_MS = 300_000;

/**
 * Marks each attempt as timed: `expireOverdue`, run by the binding's dispatcher a few times per
 * `timeoutMs`, fails an attempt that runs past it with `HandlerTimeoutError` (transient, so
 * retried) and aborts the handler's `ctx.signal`. JavaScript cannot stop a running function: a
 * handler that ignores the signal keeps running in the background, which is why the signal
 * matters.
 *
 * No timer per attempt (a timer, a race and an AbortController per message cost more than the
 * rest of the engine): the attempt only leaves its `reject` on the processing. The price is
 * precision: an attempt fails between `timeoutMs` and `timeoutMs` plus two ticks of the
 * dispatcher (`timeoutTick`), at most 20 % late.
 */
export function timeout(): Policy {
  return (next) => (p) =>
    new Promise<void>((resolve, reject) => {
      // A signal aborted by the previous attempt's timeout is not this attempt's.
      if (p.controller?.signal.aborted) p.controller = undefined;
      p.timedSince = undefined;
      // Left set once the attempt ends (clearing it would cost two closures per message): a late
      // expiry of a finished attempt rejects a settled promise, which does nothing.
      p.expire = reject;
      next(p).then(resolve, reject);
    });
}

/** How often the dispatcher runs `expireOverdue` for a binding with this `timeoutMs`. */
export function timeoutTick(timeoutMs: number): number {
  return Math.min(1_000, Math.max(10, Math.floor(timeoutMs / 10)));
}

/**
 * Fails every timed attempt in `processings` seen running for `timeoutMs` or longer at `now`. An
 * attempt's clock starts at the first call that sees it (so the hot path reads no clock).
 */
export function expireOverdue(processings: Iterable<Processing>, now: number, timeoutMs: number): void {
  for (const p of processings) {
    const expire = p.expire;
    if (expire === undefined) continue;
    const since = (p.timedSince ??= now);
    if (now - since < timeoutMs) continue;
    p.expire = undefined;
    const error = new HandlerTimeoutError(`handler exceeded ${timeoutMs} ms`);
    (p.controller ??= new AbortController()).abort(error);
    expire(error);
  }
}
