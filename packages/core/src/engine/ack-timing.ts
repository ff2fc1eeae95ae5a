import type { BindingRuntime } from './runtime';
import type { Middleware, Processing } from './processing';

/**
 * When the broker may forget the message. at-most-once: before the handler runs (a crash then
 * loses it, never duplicates it). at-least-once and exactly-once: after the chain succeeded and
 * only if nothing inside settled the delivery already (a nack, dead letter or transaction commit).
 */
export function ackTiming(rt: BindingRuntime): Middleware {
  if (rt.binding.guarantee === 'at-most-once')
    return (next) => async (p) => {
      p.settled = true;
      await p.delivery.ack();
      await next(p);
    };
  return (next) => (p) => {
    let run: Promise<void>;
    try {
      run = next(p);
    } catch (error) {
      return Promise.reject(error);
    }
    // A `then` with one small closure instead of an async frame per message (hot path).
    return run.then(() => ackUnlessSettled(p));
  };
}

function ackUnlessSettled(p: Processing): Promise<void> | undefined {
  if (p.settled) return undefined;
  p.settled = true;
  return p.delivery.ack();
}
