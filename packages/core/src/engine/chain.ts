import { ackTiming } from './ack-timing';
import { deadLetter } from './dead-letter';
import { decode } from './decode';
import { idempotency } from './idempotency';
import { invokeHandler } from './invoke-handler';
import type { Middleware, Step } from './processing';
import { retry } from './retry';
import type { BindingRuntime } from './runtime';
import { schemaValidation } from './schema-validation';
import { timeout } from './timeout';
import { transaction } from './transaction';

/**
 * A guarantee is a preset chain; the binding's options tune it. Only the policies a binding needs
 * are in its chain, so an option not used costs nothing per message.
 *
 * ackTiming → deadLetter → decode → schema → retry → idempotency → transaction → timeout → handler
 *
 * Decoding and validation run once per delivery, outside the retry loop (their failures are
 * final). Idempotency wraps the transaction so a key is marked completed only after the outputs
 * and offsets committed.
 */
export function buildChain(rt: BindingRuntime): Step {
  const b = rt.binding;
  const policies: Middleware[] = [ackTiming(rt), deadLetter(rt), decode(rt)];
  if (b.schema) policies.push(schemaValidation(b.schema));
  if (b.guarantee !== 'at-most-once') policies.push(retry(rt));
  if (b.idempotency) policies.push(idempotency(rt, b.idempotency));
  if (b.guarantee === 'exactly-once' && rt.transport.capabilities.transactions) policies.push(transaction);
  if (b.timeoutMs !== undefined) policies.push(timeout(b.timeoutMs));
  return policies.reduceRight<Step>((next, policy) => policy(next), invokeHandler(rt));
}
