/**
 * How Polybus names RabbitMQ objects. One rule, used by topology, publisher and consumer alike:
 *
 * - topic `t`             → durable topic exchange `t`
 * - group `g` of topic `t` → durable queue `t.g`, bound to `t` with `#`
 * - dead-letter topic `d` → exchange `d` plus a retention queue `polybus.retained.d` bound with
 *   `#`, so dead letters are kept even when nobody consumes the dead-letter topic yet (the
 *   `polybus.` prefix keeps it apart from group queues: `d` + group `dlq` is the queue `d.dlq`)
 * - retry delay bucket `n` ms → fanout exchange and TTL queue `polybus.retry.n` (classic) or
 *   `polybus.retry-quorum.n` (quorum), which dead-letter expired messages back through the
 *   default exchange to the work queue named by the routing key
 */
export function groupQueueName(topic: string, group: string): string {
  return `${topic}.${group}`;
}

export function retainedQueueName(deadLetterTopic: string): string {
  return `polybus.retained.${deadLetterTopic}`;
}

export function retryQueueName(delayMs: number, queueType: 'classic' | 'quorum'): string {
  return queueType === 'quorum' ? `polybus.retry-quorum.${delayMs}` : `polybus.retry.${delayMs}`;
}

/** Rounds a delay up to the next bucket (never early), capped at the last bucket. */
export function retryBucket(delayMs: number, buckets: readonly number[]): number {
  for (const bucket of buckets) if (bucket >= delayMs) return bucket;
  return buckets[buckets.length - 1];
}
