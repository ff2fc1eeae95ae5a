import { ackTiming } from './ack-timing';
import { deadLetter } from './dead-letter';
import { decode } from './decode';
import { idempotency } from './idempotency';
import { invokeHandler } from './invoke-handler';
import type { Policy, Step } from './processing';
import { retry } from './retry';
import type { BindingRuntime } from './runtime';
import { schemaValidation } from './schema-validation';
import { timeout } from './timeout';
import { transaction } from './transaction';
import { userMiddleware } from './user-middleware';

/**
 * A guarantee is a preset chain; the binding's options tune it. Only the policies a binding needs
 * are in its chain, so an option not used costs nothing per message.
 *
 * ackTiming → deadLetter → decode → schema → retry → idempotency | transaction → user middleware
 * → timeout → handler
 *
 * Decoding and validation run once per delivery, outside the retry loop (their failures are
 * final). An idempotency store (store and forward) keeps the handler's outputs with its mark and
 * then sends them, on Kafka in the transaction that consumes the offset: it opens that transaction
 * itself, after the mark, so no lock is held across Kafka's in-order commit. Without a store, an
 * exactly-once binding on Kafka runs each attempt in a transaction; an inbox store sits inside it
 * (see below).
 */
export function buildChain(rt: BindingRuntime): Step {
  const b = rt.binding;
  const policies: Policy[] = [ackTiming(rt), deadLetter(rt), decode(rt)];
  if (b.schema) policies.push(schemaValidation(b.schema));
  if (b.guarantee !== 'at-most-once') policies.push(retry(rt));
  const transactional = b.guarantee === 'exactly-once' && rt.transport.capabilities.transactions;
  // An inbox (a store with `process`) commits the handler's effect in its own database transaction:
  // that must commit BEFORE the broker transaction consumes the offset. The other way round, a crash
  // between the two commits would leave the offset consumed and the effect rolled back (a loss);
  // this way it leaves a redelivery that the inbox skips as a duplicate.
  const inbox = b.idempotency?.process !== undefined;
  if (b.idempotency && !inbox) policies.push(idempotency(rt, b.idempotency));
  else {
    if (transactional) policies.push(transaction);
    if (b.idempotency) policies.push(idempotency(rt, b.idempotency));
  }
  if (b.use.length > 0) policies.push(userMiddleware(b.use));
  if (b.timeoutMs !== undefined) policies.push(timeout());
  return policies.reduceRight<Step>((next, policy) => policy(next), invokeHandler(rt));
}
