/** Header names Polybus reads and writes on every broker. */
export const Headers = {
  id: 'polybus-id',
  idempotencyKey: 'polybus-idempotency-key',
  attempt: 'polybus-attempt',
  contentType: 'content-type',
  traceparent: 'traceparent',
  dlqReason: 'polybus-dlq-reason',
  dlqError: 'polybus-dlq-error',
  dlqSource: 'polybus-dlq-source',
  dlqGroup: 'polybus-dlq-group',
  dlqAttempts: 'polybus-dlq-attempts',
  dlqFailedAt: 'polybus-dlq-failed-at',
  /**
   * On a dead letter whose copy would not fit the broker's limit: the original payload's size in
   * bytes. The letter then carries the longest prefix of the payload that fits.
   */
  dlqTruncated: 'polybus-dlq-truncated',
  /** Prefix for the broker's original coordinates, e.g. `polybus-dlq-kafka-offset`. */
  dlqCoordinatePrefix: 'polybus-dlq-',
} as const;

export type DeadLetterReason =
  'handler-error' | 'permanent-error' | 'decode-error' | 'validation-error' | 'max-attempts';
