import type { HandlerContext } from './handler';
import type { Message } from './message';

/**
 * Your own step around a handler: authorization, correlation ids in the log, metrics tags,
 * tracing. Given with `createBus({ middleware })` (every binding, outermost) and
 * `bind(..., { use })` (that binding), first in the list = outermost.
 *
 * Where it runs, per attempt: after the message was decoded and validated; inside the retry loop
 * (each attempt runs it again, `ctx.attempt` says which); inside the idempotency guard and the
 * Kafka transaction (a duplicate the store skips never reaches it, and `ctx.publish` here is part
 * of the attempt's outputs); outside the handler timeout (`timeoutMs` bounds the handler only).
 *
 * Contract: call `next()` at most once and await it, or throw. A thrown error is the attempt's
 * failure, classified as the handler's would be (`PermanentError` or `isPermanent` → dead letter at
 * once, anything else retried). Returning without calling `next()` skips the handler and counts as
 * handled: the message is acknowledged (a filter).
 */
export type Middleware = (
  message: Message,
  ctx: HandlerContext,
  next: () => Promise<void>,
) => Promise<void> | void;
