import { bindingsByBackend, PolybusTypes } from '@polybus/inversify';

/**
 * The guarantee each backend runs the handlers with, chosen here and not in the handlers:
 * Kafka commits the consumption and the handler's publishes in one transaction; the others
 * deliver at-least-once and the idempotency store drops the duplicates, so on every broker each
 * order is charged, notified and closed exactly once.
 */
export const orderBindings = bindingsByBackend([
  { when: { capabilities: { transactions: true } }, options: { guarantee: 'exactly-once' } },
  { when: {}, options: { guarantee: 'at-least-once', idempotency: PolybusTypes.IdempotencyStore } },
]);
