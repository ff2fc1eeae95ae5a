import type { MessageHeaders, TransportMessage } from '../message';

/**
 * A copy of `message` (same id, key, payload, timestamp) with `headers` merged over its own, for
 * `topic` (default: its own). What a transport writes for a dead letter or a retry copy.
 */
export function copyWithHeaders(
  message: TransportMessage,
  headers: MessageHeaders,
  topic: string = message.topic,
): TransportMessage {
  return { ...message, topic, headers: { ...message.headers, ...headers } };
}
