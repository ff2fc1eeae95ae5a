import type { Codec } from './codec';
import { ConfigurationError } from './errors/configuration-error';
import { PublishError } from './errors/publish-error';
import { Headers } from './headers';
import { uuidv7 } from './id';
import {
  payloadBytesAtMost,
  type MessageHeaders,
  type PublishOptions,
  type TransportMessage,
} from './message';

/** Builds the wire message for a publish: id, content type and well-known headers. */
export function encodeMessage(
  codec: Codec,
  topic: string,
  body: unknown,
  options: Omit<PublishOptions, 'guarantee'>,
  maxBytes: number | undefined,
): TransportMessage {
  if (typeof topic !== 'string' || topic.length === 0)
    throw new ConfigurationError('topic', 'must be a non-empty string');
  let encoded;
  try {
    encoded = codec.encode(body);
  } catch (cause) {
    throw new PublishError(topic, `body cannot be encoded: ${(cause as Error).message}`, { cause });
  }
  if (maxBytes !== undefined && payloadBytesAtMost(encoded.payload) > maxBytes) {
    const bytes = Buffer.byteLength(encoded.payload);
    if (bytes > maxBytes)
      throw new PublishError(
        topic,
        `message of ${bytes} bytes exceeds the broker's limit of ${maxBytes} bytes`,
      );
  }
  const id = options.id ?? uuidv7();
  const headers: MessageHeaders = options.headers ? { ...options.headers } : {};
  headers[Headers.id] = id;
  headers[Headers.contentType] = encoded.contentType;
  if (options.idempotencyKey !== undefined) headers[Headers.idempotencyKey] = options.idempotencyKey;
  return { id, topic, key: options.key, headers, payload: encoded.payload, timestamp: Date.now() };
}
