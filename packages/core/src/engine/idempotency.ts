import { IdempotencyStoreUnavailableError } from '../errors/idempotency-store-unavailable-error';
import { MessageLockedError } from '../errors/message-locked-error';
import { Headers } from '../headers';
import type { IdempotencyStore } from '../idempotency-store';
import type { Middleware, Processing, Step } from './processing';
import type { BindingRuntime } from './runtime';

let ownerSequence = 0;

/**
 * Turns at-least-once delivery into exactly-once effects: acquire the message's key → run →
 * complete; release on failure so a retry can take it. A key completed before is acked without
 * running the handler (counted as a duplicate). A key locked by another processor is retried later
 * (the lock expires if that processor crashed). Stores with `process` (an inbox) run the handler
 * inside their own transaction instead. If the store cannot be reached: fail-closed (default)
 * throws `IdempotencyStoreUnavailableError` so the delivery comes back later; fail-open runs the
 * handler unchecked and counts it.
 */
export function idempotency(rt: BindingRuntime, store: IdempotencyStore): Middleware {
  const { binding, counters } = rt;
  const failOpen = store.onUnavailable === 'fail-open';
  const keyOf = (p: Processing): string =>
    `${binding.group}:${p.delivery.message.headers[Headers.idempotencyKey] ?? p.delivery.message.id}`;

  const unavailable = (next: Step, p: Processing, cause: unknown): Promise<void> => {
    if (!failOpen)
      throw new IdempotencyStoreUnavailableError(`idempotency store unavailable for '${keyOf(p)}'`, {
        cause,
      });
    counters.failOpen++;
    rt.logger.warn('idempotency store unavailable: processing without the check (fail-open)', {
      topic: binding.topic,
      id: p.delivery.message.id,
      error: cause,
    });
    return next(p);
  };

  if (store.process) {
    const process = store.process.bind(store);
    return (next) => async (p) => {
      let handlerFailed = false;
      let handlerError: unknown;
      let outcome: 'processed' | 'duplicate';
      try {
        outcome = await process(keyOf(p), async (scope) => {
          p.scope = scope;
          try {
            await next(p);
          } catch (error) {
            handlerFailed = true;
            handlerError = error;
            throw error;
          } finally {
            p.scope = undefined;
          }
        });
      } catch (error) {
        if (handlerFailed) throw handlerError;
        return unavailable(next, p, error);
      }
      if (outcome === 'duplicate') counters.duplicates++;
    };
  }

  return (next) => async (p) => {
    const key = keyOf(p);
    const owner = `${rt.ownerPrefix}:${++ownerSequence}`;
    let state;
    try {
      state = await store.acquire(key, owner, binding.idempotencyLockTtlMs);
    } catch (error) {
      return unavailable(next, p, error);
    }
    if (state === 'completed') {
      counters.duplicates++;
      return;
    }
    if (state === 'locked') throw new MessageLockedError(`'${key}' is being processed by another consumer`);
    try {
      await next(p);
    } catch (error) {
      await store
        .release(key, owner)
        .catch((releaseError: unknown) =>
          rt.logger.warn('idempotency lock not released; it will expire', { key, error: releaseError }),
        );
      throw error;
    }
    try {
      await store.complete(key, owner);
    } catch (error) {
      // The effect is applied: acking is right. The lock stays until it expires, which still
      // turns away duplicates arriving meanwhile.
      rt.logger.error('idempotency store failed to mark a processed message completed', { key, error });
    }
  };
}
