import { ConfigurationError, Headers } from '@polybus/core';
import type { StoredDeadLetter } from '@polybus/core/transport';

/** Which letters a replay or purge takes. All given conditions must hold; none given: every letter. */
export interface LetterFilter {
  /** `polybus-dlq-reason` equal to this (`permanent-error`, `max-attempts`, ...). */
  readonly reason?: string;
  /** Failed at or after this time (`polybus-dlq-failed-at`, else when the broker stored it). */
  readonly since?: Date;
}

/** When the letter failed: `polybus-dlq-failed-at`, else the broker's time, else undefined. */
export function failedAt(letter: StoredDeadLetter): number | undefined {
  const parsed = Date.parse(letter.message.headers[Headers.dlqFailedAt] ?? '');
  return Number.isFinite(parsed) ? parsed : letter.storedAt;
}

export function matches(letter: StoredDeadLetter, filter: LetterFilter): boolean {
  if (filter.reason !== undefined && letter.message.headers[Headers.dlqReason] !== filter.reason)
    return false;
  if (filter.since !== undefined) {
    const at = failedAt(letter);
    if (at === undefined || at < filter.since.getTime()) return false;
  }
  return true;
}

/** `--since` as a Date: an ISO 8601 time; anything else is a `ConfigurationError`. */
export function parseSince(text: string): Date {
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(at))
    throw new ConfigurationError(
      'since',
      `expected an ISO 8601 time such as 2026-12-07T15:00:00Z, got '${text}'`,
    );
  return new Date(at);
}
