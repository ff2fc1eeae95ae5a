import { isUtf8 } from 'node:buffer';
import { Headers, payloadBuffer } from '@polybus/core';
import type { StoredDeadLetter } from '@polybus/core/transport';

/** One letter in full, as `dlq show` prints it. */
export interface DeadLetterDetail {
  readonly id: string;
  /** The broker's handle of the letter in its topic (Kafka `partition:offset`, Redis entry id, ...). */
  readonly ref: string;
  readonly key?: string;
  /** When the original message was published (ISO). */
  readonly timestamp: string;
  /** When the broker stored the letter (ISO), where it says. */
  readonly storedAt?: string;
  /** The message's own headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** The envelope and the original coordinates: every `polybus-dlq-*` header. */
  readonly deadLetter: Readonly<Record<string, string>>;
  /** UTF-8 text when the body is valid UTF-8, else base64 of its bytes. */
  readonly body: { readonly encoding: 'utf8' | 'base64'; readonly data: string; readonly bytes: number };
  /** Set when the letter holds only a prefix of the original body (`polybus-dlq-truncated`). */
  readonly truncated: boolean;
}

export function describeLetter(letter: StoredDeadLetter): DeadLetterDetail {
  const { message } = letter;
  const headers: Record<string, string> = {};
  const deadLetter: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers))
    (name.startsWith(Headers.dlqCoordinatePrefix) ? deadLetter : headers)[name] = value;
  const bytes = payloadBuffer(message.payload);
  const text = isUtf8(bytes);
  return {
    id: message.id,
    ref: letter.ref,
    ...(message.key === undefined ? {} : { key: message.key }),
    timestamp: new Date(message.timestamp).toISOString(),
    ...(letter.storedAt === undefined ? {} : { storedAt: new Date(letter.storedAt).toISOString() }),
    headers,
    deadLetter,
    body: {
      encoding: text ? 'utf8' : 'base64',
      data: bytes.toString(text ? 'utf8' : 'base64'),
      bytes: bytes.length,
    },
    truncated: message.headers[Headers.dlqTruncated] !== undefined,
  };
}
