import { IdempotencyStoreUnavailableError } from '../errors/idempotency-store-unavailable-error';
import { MaxAttemptsError } from '../errors/max-attempts-error';
import { MessageLockedError } from '../errors/message-locked-error';
import { OutputsPendingError } from '../errors/outputs-pending-error';
import { backoffDelay } from './backoff';
import { classify } from './classify';
import type { Policy, Processing, Step } from './processing';
import type { BindingRuntime } from './runtime';
import { sleep } from './sleep';

/**
 * The retry loop. Transient failures are retried after a backoff: the first
 * `retry.immediateAttempts` in process, the rest through the transport's delayed redelivery where
 * it has one (so a slow retry does not hold a consumer slot), all counted in one attempt number
 * that travels as `polybus-attempt`. After `maxAttempts` it throws `MaxAttemptsError` for the dead
 * letter. Final errors pass straight through. Per-key bindings retry in process only: a message
 * handed back to the broker would let the key's later messages overtake it. A busy lock, an unreachable idempotency store
 * (fail-closed) or recorded outputs not sent yet are waited out without spending an attempt: that
 * message has not been processed, or has been and must not be dead-lettered.
 */
export function retry(rt: BindingRuntime): Policy {
  const { binding, counters } = rt;
  const policy = binding.retry;
  const delayed = rt.transport.capabilities.delayedRedelivery && binding.ordering !== 'per-key';
  /** The failure path: kept out of the success path, which then costs one `catch` per message. */
  const recover = async (next: Step, p: Processing, error: unknown): Promise<void> => {
    for (;;) {
      if (classify(error, binding.isPermanent) !== 'transient') throw error;
      const waitOnly =
        MessageLockedError.is(error) ||
        IdempotencyStoreUnavailableError.is(error) ||
        OutputsPendingError.is(error);
      if (!waitOnly) {
        counters.failed++;
        if (p.attempt >= policy.maxAttempts) throw new MaxAttemptsError(p.attempt, { cause: error });
      }
      const nextAttempt = waitOnly ? p.attempt : p.attempt + 1;
      const delayMs = backoffDelay(p.attempt, policy);
      const inProcess = p.attempt - p.delivery.attempt + 1;
      if (rt.stopping.aborted || (delayed && inProcess >= policy.immediateAttempts))
        return handBack(rt, p, delayMs, nextAttempt, error);
      await sleep(delayMs, rt.stopping);
      if (rt.stopping.aborted) return handBack(rt, p, delayMs, nextAttempt, error);
      p.attempt = nextAttempt;
      counters.retried++;
      try {
        return await next(p);
      } catch (nextError) {
        error = nextError;
      }
    }
  };
  return (next) => (p) => {
    try {
      return next(p).catch((error: unknown) => recover(next, p, error));
    } catch (error) {
      return recover(next, p, error);
    }
  };
}

async function handBack(
  rt: BindingRuntime,
  p: Processing,
  delayMs: number,
  attempt: number,
  error: unknown,
): Promise<void> {
  rt.logger.debug('handing the message back for a later attempt', {
    topic: rt.binding.topic,
    id: p.delivery.message.id,
    attempt,
    delayMs,
    error,
  });
  await p.delivery.nack({ delayMs, attempt });
  p.settled = true;
  rt.counters.redelivered++;
}
