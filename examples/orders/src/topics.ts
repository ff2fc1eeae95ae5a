/**
 * Topic names. The run id keeps runs apart on a shared broker (every run starts on fresh topics);
 * set ORDERS_RUN_ID to pin it.
 */
const runId =
  process.env.ORDERS_RUN_ID ?? `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

// One consumer group per topic: SQS has no fan-out groups, so this topology runs on every broker.
export const Topics = {
  orderPlaced: `orders-${runId}.order-placed`,
  paymentSettled: `orders-${runId}.payment-settled`,
  customerNotified: `orders-${runId}.customer-notified`,
} as const;

export const Groups = {
  payments: 'payments',
  notifications: 'notifications',
  orders: 'orders',
} as const;
