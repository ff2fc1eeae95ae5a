import { Headers, type DeadLetterReason } from '../headers';
import type { MessageHeaders } from '../message';
import type { Coordinates } from '../transport';

const MAX_ERROR_LENGTH = 1000;

export interface EnvelopeInput {
  reason: DeadLetterReason;
  error: unknown;
  topic: string;
  group: string;
  attempts: number;
  coordinates: Coordinates;
  now?: Date;
}

/** The dead-letter headers of DESIGN.md, identical on every broker. */
export function deadLetterHeaders(input: EnvelopeInput): MessageHeaders {
  const headers: MessageHeaders = {
    [Headers.dlqReason]: input.reason,
    [Headers.dlqError]: describeError(input.error),
    [Headers.dlqSource]: input.topic,
    [Headers.dlqGroup]: input.group,
    [Headers.dlqAttempts]: String(input.attempts),
    [Headers.dlqFailedAt]: (input.now ?? new Date()).toISOString(),
  };
  for (const name of Object.keys(input.coordinates))
    headers[Headers.dlqCoordinatePrefix + name] = input.coordinates[name];
  return headers;
}

function describeError(error: unknown): string {
  let text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // MaxAttemptsError wraps the handler's own error; the reader wants the latter.
  if (error instanceof Error && error.cause instanceof Error && error.name === 'MaxAttemptsError')
    text = `${error.cause.name}: ${error.cause.message}`;
  return text.length > MAX_ERROR_LENGTH ? `${text.slice(0, MAX_ERROR_LENGTH - 1)}…` : text;
}
