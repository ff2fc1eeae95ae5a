import { uuidv7, type TransportMessage } from '@polybus/core';

/**
 * A JSON wire message for transport-level tests: as a Polybus publisher would send it, but without
 * the `polybus-id` header, so a test can also see how the transport treats a bare message.
 */
export function testMessage(
  topic: string,
  body: unknown,
  extra: Partial<TransportMessage> = {},
): TransportMessage {
  return {
    id: uuidv7(),
    topic,
    headers: { 'content-type': 'application/json' },
    payload: Buffer.from(JSON.stringify(body)),
    timestamp: Date.now(),
    ...extra,
  };
}
