import { Headers } from '../headers';
import { fitWithin, messageBytes } from '../kit/fit-within';
import { copyWithHeaders } from '../kit/message-copy';
import { classify } from './classify';
import { deadLetterHeaders } from './envelope';
import type { Policy, Processing } from './processing';
import type { BindingRuntime } from './runtime';

/**
 * Catches a final failure (permanent, undecodable, invalid, out of attempts, or any failure when
 * retries are off) and moves the message to the binding's dead-letter topic with the envelope, or
 * drops it when `deadLetter: false` (logged and counted). If the dead letter cannot be written the
 * error propagates and the delivery is handed back to the broker: nothing is lost.
 */
export function deadLetter(rt: BindingRuntime): Policy {
  const { binding, transport, counters, logger } = rt;
  /** The failure path: kept out of the success path, which then costs one `catch` per message. */
  const onFailure = async (p: Processing, error: unknown): Promise<void> => {
    if (p.settled && binding.guarantee !== 'at-most-once') throw error;
    const kind = classify(error, binding.isPermanent);
    const reason = kind === 'transient' ? 'handler-error' : kind;
    const fields = { topic: binding.topic, group: binding.group, id: p.delivery.message.id, reason, error };
    if (binding.deadLetter === false) {
      counters.dropped++;
      logger.warn('message dropped after its last attempt (deadLetter: false)', fields);
      if (!p.settled) {
        p.settled = true;
        await p.delivery.ack();
      }
      return;
    }
    const headers = deadLetterHeaders({
      reason,
      error,
      topic: binding.topic,
      group: binding.group,
      attempts: p.attempt,
      coordinates: p.delivery.coordinates,
    });
    await moveToDeadLetter(rt, p, binding.deadLetter, headers);
    counters.deadLettered++;
    logger.warn('message dead-lettered', { ...fields, deadLetter: binding.deadLetter });
  };
  return (next) => (p) => {
    try {
      return next(p).catch((error: unknown) => onFailure(p, error));
    } catch (error) {
      return onFailure(p, error);
    }
  };
}

async function moveToDeadLetter(
  rt: BindingRuntime,
  p: Processing,
  topic: string,
  headers: Record<string, string>,
): Promise<void> {
  const original = p.delivery.message;
  if (!p.settled && p.delivery.deadLetter) {
    await p.delivery.deadLetter(topic, headers);
    p.settled = true;
    return;
  }
  const copy = copyWithHeaders(original, { ...headers, [Headers.id]: original.id }, topic);
  const limit = rt.transport.capabilities.maxMessageBytes;
  const fitted = limit === undefined ? copy : fitWithin(copy, limit, messageBytes);
  await rt.transport.publish([fitted], { guarantee: 'at-least-once' });
  if (!p.settled) {
    await p.delivery.ack();
    p.settled = true;
  }
}
