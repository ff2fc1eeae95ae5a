import { createHash } from 'node:crypto';

/** SQS allows 80 characters, `.fifo` included. */
export const MAX_QUEUE_NAME = 80;
const FIFO_SUFFIX = '.fifo';
const FIFO_DLQ_SUFFIX = '.fifo.dlq';

/**
 * `by-name`: a topic ending in `.fifo` (or `.fifo.dlq`, its default dead-letter topic) is a FIFO
 * queue, every other topic a standard queue. `always`: every topic is a FIFO queue.
 */
export type FifoMode = 'by-name' | 'always';

export interface QueueName {
  readonly name: string;
  readonly fifo: boolean;
}

/**
 * The one deterministic rule from a Polybus topic to an SQS queue name, so that the topic names
 * used on other brokers (`orders.created`, `orders.created.dlq`) work unchanged:
 *
 * 1. A trailing `.fifo` marks a FIFO queue and is kept as the queue's `.fifo` suffix. The core's
 *    default dead-letter topic of `orders.fifo` is `orders.fifo.dlq`: it maps to the FIFO queue
 *    `orders-dlq.fifo` (as does the topic `orders.dlq.fifo`), because a FIFO queue's dead letters
 *    must keep their group and deduplication id.
 * 2. `.` becomes `-`; any other character outside `[A-Za-z0-9_-]` becomes `_`.
 * 3. Names longer than 80 characters (suffix included) are cut and end in `-` + the first 8 hex
 *    digits of sha256(topic), so distinct long topics stay distinct.
 *
 * Topics that differ only in characters the rule folds together (`a.b` and `a-b`) share a queue.
 */
export function queueNameFor(topic: string, mode: FifoMode = 'by-name'): QueueName {
  let base = topic;
  let fifo = mode === 'always';
  if (base.endsWith(FIFO_DLQ_SUFFIX)) {
    base = `${base.slice(0, -FIFO_DLQ_SUFFIX.length)}.dlq`;
    fifo = true;
  } else if (base.endsWith(FIFO_SUFFIX)) {
    base = base.slice(0, -FIFO_SUFFIX.length);
    fifo = true;
  }
  let name = base.replace(/\./g, '-').replace(/[^A-Za-z0-9_-]/gu, '_');
  if (name.length === 0) name = '_';
  const suffix = fifo ? FIFO_SUFFIX : '';
  if (name.length + suffix.length > MAX_QUEUE_NAME) {
    const hash = createHash('sha256').update(topic).digest('hex').slice(0, 8);
    name = `${name.slice(0, MAX_QUEUE_NAME - suffix.length - hash.length - 1)}-${hash}`;
  }
  return { name: name + suffix, fifo };
}
