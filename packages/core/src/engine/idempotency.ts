import { IdempotencyStoreUnavailableError } from '../errors/idempotency-store-unavailable-error';
import { MessageLockedError } from '../errors/message-locked-error';
import { OutputsPendingError } from '../errors/outputs-pending-error';
import { Headers } from '../headers';
import type { IdempotencyStore } from '../idempotency-store';
import type { TransportMessage } from '../message';
import { KeyCount, KeyGate } from './key-gate';
import { Outbox } from './outbox';
import { originOf, originRecorded, withOrigin, withoutOrigin } from './output-origin';
import type { Policy, Processing, Step } from './processing';
import type { BindingRuntime } from './runtime';

let ownerSequence = 0;
const NONE: readonly TransportMessage[] = [];

/**
 * The store key of a message: group, topic and the message's idempotency key (or id). The topic is
 * part of it so one group bound to two topics never takes a message of one for a duplicate of the
 * other. Group and topic are URI-encoded, so no ':' inside them can make two keys meet.
 */
export function idempotencyKeyPrefix(group: string, topic: string): string {
  return `${encodeURIComponent(group)}:${encodeURIComponent(topic)}:`;
}

/**
 * Turns at-least-once delivery into exactly-once effects, store and forward (the inbox/outbox
 * pattern):
 *
 * acquire the key → run the handler with `ctx.publish` kept in an outbox → `complete(key, outputs)`
 * records the mark with the outputs → send the outputs (in the Kafka transaction that also consumes
 * the offset, elsewhere a confirmed publish) → `dispatched(key)`.
 *
 * A redelivery of a completed key never runs the handler again: it re-sends the outputs the store
 * still keeps, with their original ids (counted as a duplicate, and as `resent` when it sent any),
 * unless this process is sending them right now. On a transactional transport (Kafka) only a
 * redelivery of the delivery that recorded them re-sends them: its offset commits only with them,
 * so that delivery coming back means they were not committed; any other delivery of the key (a
 * duplicate publish) finds them committed already or owed by that delivery's own redelivery, and
 * sends nothing (a crash between the commit and `dispatched` would otherwise publish them twice).
 * A failed send throws `OutputsPendingError`, which
 * the retry waits out without spending an attempt. A key locked by another processor is retried
 * later (the lock expires if that processor crashed); deliveries of one key on this consumer take
 * turns in process. No lock is held while the outputs are sent, so a send that waits for another
 * delivery (Kafka's in-order commit) cannot deadlock with that delivery's retry.
 *
 * Stores with `process` (an inbox) run the handler inside their own transaction instead, with
 * `ctx.publish` routed to the store's outbox. If the store cannot be reached: fail-closed (default)
 * throws `IdempotencyStoreUnavailableError` so the delivery comes back later; fail-open runs the
 * handler unchecked and counts it.
 */
export function idempotency(rt: BindingRuntime, store: IdempotencyStore): Policy {
  const { binding, counters } = rt;
  const failOpen = store.onUnavailable === 'fail-open';
  const prefix = idempotencyKeyPrefix(binding.group, binding.topic);
  const keyOf = (p: Processing): string =>
    prefix + (p.delivery.message.headers[Headers.idempotencyKey] ?? p.delivery.message.id);

  const unavailable = (cause: unknown, key: string): IdempotencyStoreUnavailableError =>
    new IdempotencyStoreUnavailableError(`idempotency store unavailable for '${key}'`, { cause });
  const warnFailOpen = (p: Processing, cause: unknown): void => {
    counters.failOpen++;
    rt.logger.warn('idempotency store unavailable: processing without the check (fail-open)', {
      topic: binding.topic,
      id: p.delivery.message.id,
      error: cause,
    });
  };

  if (store.process) {
    const process = store.process.bind(store);
    return (next) => async (p) => {
      const key = keyOf(p);
      let handlerFailed = false;
      let handlerError: unknown;
      let outcome: 'processed' | 'duplicate';
      try {
        outcome = await process(key, async (scope) => {
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
        if (!failOpen) throw unavailable(error, key);
        warnFailOpen(p, error);
        return next(p);
      }
      if (outcome === 'duplicate') counters.duplicates++;
    };
  }

  const transactional = binding.guarantee === 'exactly-once' && rt.transport.capabilities.transactions;
  const gate = new KeyGate();
  const sending = new KeyCount();

  /** Sends outputs; on Kafka in the delivery's transaction, which also consumes its offset. */
  const send = async (p: Processing, outputs: readonly TransportMessage[]): Promise<void> => {
    try {
      if (transactional) {
        const tx = p.delivery.transaction!();
        if (outputs.length > 0) await tx.publish(outputs);
        await tx.commit();
        p.settled = true;
      } else if (outputs.length > 0) {
        await rt.transport.publish(outputs, { guarantee: binding.guarantee });
      }
    } catch (error) {
      throw new OutputsPendingError(
        `the outputs of '${p.delivery.message.id}' are recorded but not sent yet; they are re-sent`,
        { cause: error },
      );
    }
  };

  const markDispatched = (key: string): Promise<void> =>
    store.dispatched
      ? store.dispatched(key).catch((error: unknown) =>
          rt.logger.warn('idempotency store did not mark outputs dispatched; a redelivery re-sends them', {
            key,
            error,
          }),
        )
      : Promise.resolve();

  /** Sends what `complete` recorded, then lets the store forget it. */
  const forward = async (p: Processing, key: string, outputs: readonly TransportMessage[]): Promise<void> => {
    if (outputs.length === 0) return send(p, outputs);
    sending.add(key);
    try {
      await send(p, outputs);
      await markDispatched(key);
    } finally {
      sending.remove(key);
    }
  };

  const runHandler = async (next: Step, p: Processing): Promise<readonly TransportMessage[]> => {
    const outbox = new Outbox();
    p.outbox = outbox;
    try {
      await next(p);
    } finally {
      p.outbox = undefined;
      outbox.end();
    }
    return outbox.end();
  };

  /**
   * A completed key: re-send what the store still keeps, never run the handler. Not while this
   * process sends that key's outputs already (marked before the read, so two redeliveries of one
   * key on this consumer cannot both read and send them).
   */
  const redeliver = async (p: Processing, key: string): Promise<void> => {
    counters.duplicates++;
    if (sending.has(key) || !store.outputs) return send(p, NONE);
    sending.add(key);
    try {
      let kept;
      try {
        kept = await store.outputs(key);
      } catch (error) {
        throw unavailable(error, key);
      }
      if (transactional && kept.length > 0) {
        // Outputs kept without an origin (recorded by an earlier version) are re-sent, as they were.
        const origin = originRecorded(kept);
        if (origin !== undefined && origin !== originOf(p)) return await send(p, NONE);
        kept = withoutOrigin(kept);
      }
      if (kept.length > 0) counters.resent++;
      await send(p, kept);
      if (kept.length > 0) await markDispatched(key);
    } finally {
      sending.remove(key);
    }
  };

  /** Acquires the key; undefined when the store is down and the binding fails open. */
  const acquire = async (p: Processing, key: string, owner: string) => {
    try {
      return await store.acquire(key, owner, binding.idempotencyLockTtlMs);
    } catch (error) {
      if (!failOpen) throw unavailable(error, key);
      warnFailOpen(p, error);
      return undefined;
    }
  };

  /** Records the completion with the outputs; false when the store failed to (logged). */
  const complete = async (key: string, owner: string, outputs: readonly TransportMessage[]) => {
    try {
      await store.complete(key, owner, outputs);
      return true;
    } catch (error) {
      // The effect is applied: sending its outputs and acking is right. The lock stays until it
      // expires, which still turns away duplicates arriving meanwhile.
      rt.logger.error('idempotency store failed to record a completion or its outputs', { key, error });
      return false;
    }
  };

  return (next) => async (p) => {
    const key = keyOf(p);
    const owner = `${rt.ownerPrefix}:${++ownerSequence}`;
    const waiting = gate.enter(key);
    if (waiting) await waiting;
    let state;
    let outputs = NONE;
    let recorded = false;
    try {
      state = await acquire(p, key, owner);
      if (state === 'locked') throw new MessageLockedError(`'${key}' is being processed by another consumer`);
      if (state !== 'completed') {
        try {
          outputs = await runHandler(next, p);
        } catch (error) {
          if (state === 'acquired')
            await store
              .release(key, owner)
              .catch((releaseError: unknown) =>
                rt.logger.warn('idempotency lock not released; it will expire', { key, error: releaseError }),
              );
          throw error;
        }
        if (state === 'acquired')
          recorded = await complete(
            key,
            owner,
            transactional && outputs.length > 0 ? withOrigin(outputs, originOf(p)) : outputs,
          );
      }
    } finally {
      gate.leave(key);
    }
    if (state === 'completed') return redeliver(p, key);
    return recorded ? forward(p, key, outputs) : send(p, outputs);
  };
}
