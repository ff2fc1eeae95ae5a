import { isUtf8 } from 'node:buffer';
import { DecodeError } from './errors/decode-error';
import { Headers } from './headers';
import { payloadBuffer, type MessageHeaders, type Payload } from './message';

/**
 * Turns bodies into payloads and back. `encode` may return text (a string stands for its UTF-8
 * bytes) or bytes; `decode` gets whichever the broker delivered: text from text-native brokers and
 * the memory transport, a Buffer from the others (`payloadBuffer` turns either into bytes).
 * `decode` throws `DecodeError` for a payload it cannot read; the engine dead-letters such a
 * message with reason `decode-error` and goes on.
 */
export interface Codec {
  readonly contentType: string;
  encode(body: unknown): { payload: Payload; contentType: string };
  decode(payload: Payload, headers: Readonly<MessageHeaders>): unknown;
}

const OCTET_STREAM = 'application/octet-stream';
const JSON_TYPE = 'application/json';

/**
 * JSON by default. Buffers and Uint8Arrays pass through untouched as `application/octet-stream`
 * and come back as Buffers. A payload without a content type (written by a raw client) is read
 * as JSON.
 */
export const jsonCodec: Codec = {
  contentType: JSON_TYPE,
  encode(body) {
    if (body instanceof Uint8Array) {
      const payload = Buffer.isBuffer(body)
        ? body
        : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      return { payload, contentType: OCTET_STREAM };
    }
    const text = JSON.stringify(body);
    if (text === undefined) throw new TypeError(`a body of type ${typeof body} has no JSON form`);
    // The text itself: no Buffer made here and read back by a text-native transport.
    return { payload: text, contentType: JSON_TYPE };
  },
  decode(payload, headers) {
    const type = headers[Headers.contentType];
    if (type === OCTET_STREAM) return payloadBuffer(payload);
    if (type !== undefined && type !== JSON_TYPE && !type.startsWith('application/json'))
      throw new DecodeError(`unsupported content-type '${type}'`);
    // JSON is UTF-8 (RFC 8259): bytes that are not would reach the handler with U+FFFD in place of
    // what the producer wrote, a silent change of data. Text payloads were decoded by the broker.
    if (typeof payload !== 'string' && !isUtf8(payload))
      throw new DecodeError(`payload is not valid UTF-8 (${payload.length} bytes)`);
    try {
      // No encoding argument: UTF-8 either way, and Node's fast path (hot: once per delivery).
      return JSON.parse(typeof payload === 'string' ? payload : payload.toString());
    } catch (cause) {
      const bytes = Buffer.byteLength(payload);
      throw new DecodeError(`payload is not valid JSON (${bytes} bytes)`, { cause });
    }
  },
};

/**
 * Hands the handler the raw payload as a Buffer, whatever its content type: for reading dead
 * letters whose bodies could not be decoded, bridges and byte-level consumers.
 */
export const bytesCodec: Codec = {
  contentType: OCTET_STREAM,
  encode: (body) => jsonCodec.encode(body),
  decode: (payload) => payloadBuffer(payload),
};
