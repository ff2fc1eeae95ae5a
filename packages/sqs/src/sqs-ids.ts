import { createHash } from 'node:crypto';

/** MessageGroupId and MessageDeduplicationId: 1–128 characters of printable ASCII without space. */
const VALID_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * Makes any string a valid FIFO group or deduplication id: kept as is when valid, else replaced by
 * `h-` + sha256 hex of it (deterministic, so the same key always lands in the same group and the
 * same idempotency key is always deduplicated).
 */
export function sqsId(value: string): string {
  if (VALID_ID.test(value)) return value;
  return `h-${createHash('sha256').update(value).digest('hex')}`;
}
