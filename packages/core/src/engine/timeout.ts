import { HandlerTimeoutError } from '../errors/handler-timeout-error';
import type { Policy } from './processing';

/**
 * Fails an attempt that runs past `timeoutMs` with `HandlerTimeoutError` (transient, so retried)
 * and aborts the handler's `ctx.signal`. JavaScript cannot stop a running function: a handler that
 * ignores the signal keeps running in the background, which is why the signal matters.
 */
export function timeout(timeoutMs: number): Policy {
  return (next) => (p) => {
    const controller = new AbortController();
    p.controller = controller;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new HandlerTimeoutError(`handler exceeded ${timeoutMs} ms`);
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    const run = next(p);
    run.catch(() => undefined); // a late failure after the timeout has nobody left to tell
    return Promise.race([run, expired]).finally(() => clearTimeout(timer));
  };
}
