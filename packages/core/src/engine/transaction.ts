import type { Policy } from './processing';

/**
 * Consume-transform-produce for exactly-once bindings on transports with native transactions
 * (Kafka): each attempt runs in its own transaction that carries `ctx.publish` outputs and the
 * consumed offset. Commit settles the delivery; a failure aborts, so no output of a failed attempt
 * is ever visible to read-committed consumers.
 */
export const transaction: Policy = (next) => async (p) => {
  const tx = p.delivery.transaction!();
  p.tx = tx;
  try {
    await next(p);
  } catch (error) {
    p.tx = undefined;
    await tx.abort();
    throw error;
  }
  p.tx = undefined;
  await tx.commit();
  p.settled = true;
};
