import { Headers, type TransportMessage } from '@polybus/core';

/** Header a replayed message carries: the dead-letter topic it was replayed from. */
export const REPLAYED_FROM_HEADER = 'polybus-replayed-from';

/**
 * What a replay publishes for a letter: to its source topic (`polybus-dlq-source`), with the
 * original id, key, body and headers, so an exactly-once consumer, which keys its store on
 * `polybus-idempotency-key` or else the id, drops a replay it has already processed. The envelope
 * (`polybus-dlq-*`, coordinates included) and `polybus-attempt` are left out, so the message starts
 * again at attempt 1; `polybus-replayed-from` says where it came from. The timestamp is the
 * replay's: on Kafka an old one would let retention drop the record at once.
 */
export function replayCopy(letter: TransportMessage, deadLetterTopic: string): TransportMessage | undefined {
  const source = letter.headers[Headers.dlqSource];
  if (!source) return undefined;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(letter.headers)) {
    if (name.startsWith(Headers.dlqCoordinatePrefix) || name === Headers.attempt) continue;
    headers[name] = value;
  }
  headers[REPLAYED_FROM_HEADER] = deadLetterTopic;
  const copy: { -readonly [K in keyof TransportMessage]: TransportMessage[K] } = {
    id: letter.id,
    topic: source,
    headers,
    payload: letter.payload,
    timestamp: Date.now(),
  };
  if (letter.key !== undefined) copy.key = letter.key;
  return copy;
}
