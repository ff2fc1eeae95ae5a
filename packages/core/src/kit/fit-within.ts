import { Headers } from '../headers';
import { payloadBuffer, type MessageHeaders, type TransportMessage } from '../message';

/** Bytes `message` takes on a broker's wire, as that transport counts them against its limit. */
export type WireSize = (message: TransportMessage) => number;

/** Payload, key and header names and values in UTF-8: what most brokers count, framing aside. */
export const messageBytes: WireSize = (message) => {
  let n =
    Buffer.byteLength(message.payload) + (message.key === undefined ? 0 : Buffer.byteLength(message.key));
  for (const name in message.headers)
    n += Buffer.byteLength(name) + Buffer.byteLength(message.headers[name]!);
  return n;
};

/**
 * A dead letter that can always be written: `copy` itself when `sizeOf(copy) <= maxBytes`, else the
 * same message with the longest payload prefix that fits (cut at a UTF-8 character boundary, so
 * text stays text) and `polybus-dlq-truncated: <original payload bytes>`. When even an empty payload
 * does not fit, the headers that are not Polybus's are dropped too. An oversized original would
 * otherwise fail its dead letter on every attempt and be handed back forever.
 */
export function fitWithin(copy: TransportMessage, maxBytes: number, sizeOf: WireSize): TransportMessage {
  if (sizeOf(copy) <= maxBytes) return copy;
  const payload = payloadBuffer(copy.payload);
  let headers: MessageHeaders = { ...copy.headers, [Headers.dlqTruncated]: String(payload.length) };
  const withPrefix = (bytes: number): TransportMessage => ({
    ...copy,
    headers,
    payload: payload.subarray(0, bytes),
  });
  if (sizeOf(withPrefix(0)) > maxBytes) {
    headers = polybusHeadersOf(headers);
    if (sizeOf(withPrefix(0)) > maxBytes) return withPrefix(0); // nothing smaller can be said
    if (sizeOf(withPrefix(payload.length)) <= maxBytes) return withPrefix(payload.length);
  }
  // The largest prefix that fits: size grows with the prefix, if not always evenly (base64).
  let fits = 0;
  let tooBig = payload.length;
  while (tooBig - fits > 1) {
    const mid = Math.floor((fits + tooBig) / 2);
    if (sizeOf(withPrefix(mid)) <= maxBytes) fits = mid;
    else tooBig = mid;
  }
  let cut = fits;
  // Back off to a character boundary (continuation bytes are 10xxxxxx), at most 3 bytes.
  while (cut > 0 && cut > fits - 3 && (payload[cut]! & 0xc0) === 0x80) cut--;
  if ((payload[cut]! & 0xc0) === 0x80) cut = fits; // not text: keep every byte that fits
  return withPrefix(cut);
}

function polybusHeadersOf(headers: MessageHeaders): MessageHeaders {
  const kept: MessageHeaders = {};
  for (const name in headers) if (name.startsWith('polybus-')) kept[name] = headers[name]!;
  return kept;
}
