import { ConfigurationError, GuaranteeNotSupportedError } from '@polybus/core';
import { type SubscribeOptions } from '@polybus/core/transport';
import { queueNameFor, type FifoMode } from './queue-name';

/**
 * Bindings SQS cannot honour, refused at bind time with what to do instead:
 * - a second group on one queue (SQS has no consumer groups: the groups would split the messages);
 * - per-key ordering on a standard queue (only FIFO queues keep order);
 * - exactly-once without an idempotency store (FIFO deduplication covers the publish side only).
 */
export function validateSqsSubscription(
  options: SubscribeOptions,
  existing: readonly SubscribeOptions[],
  mode: FifoMode,
): void {
  const queue = queueNameFor(options.topic, mode);
  const other = existing.find(
    (e) => e.group !== options.group && queueNameFor(e.topic, mode).name === queue.name,
  );
  if (other !== undefined)
    throw new ConfigurationError(
      'group',
      `SQS has no consumer groups: queue '${queue.name}' (topic '${options.topic}') is already bound by group ` +
        `'${other.group}', and a second group '${options.group}' on it would compete for its messages instead of ` +
        `receiving all of them. Fan out instead: publish to an SNS topic with one SQS queue subscribed per group, ` +
        `or publish to one Polybus topic per group (e.g. '${options.topic}.${options.group}')`,
    );
  if (options.ordering === 'per-key' && !queue.fifo)
    throw new GuaranteeNotSupportedError(
      'sqs',
      options.guarantee,
      `ordering: 'per-key' on '${options.topic}' needs a FIFO queue: standard SQS queue '${queue.name}' does not ` +
        `keep order. Use a topic ending in '.fifo' (e.g. '${options.topic}.fifo'; the key becomes the ` +
        `MessageGroupId), set sqsTransport({ fifo: 'always' }), or bind with ordering: 'none'`,
    );
  if (options.guarantee === 'exactly-once' && !options.idempotent)
    throw new GuaranteeNotSupportedError(
      'sqs',
      options.guarantee,
      `exactly-once on '${options.topic}' needs an idempotency store on SQS. FIFO deduplication only drops a ` +
        `republish with the same deduplication id within its 5-minute window on the publish side; the consumer ` +
        `side is still at-least-once: a handler that outlives the visibility timeout, a crash before the delete, ` +
        `or a failed delete delivers the message again. Add \`idempotency: memoryIdempotencyStore()\` (one ` +
        `process) or a shared store from @polybus/store-redis / @polybus/store-postgres`,
    );
}
