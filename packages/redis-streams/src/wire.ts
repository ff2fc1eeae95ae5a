import { isUtf8 } from 'node:buffer';
import { Headers, type MessageHeaders, type TransportMessage } from '@polybus/core';
import { BINARY_HEADER, binaryNames, FieldHeaders, splitBinary, utf8Text } from './binary-fields';
import { text, type Bulk } from './replies';

/**
 * How a TransportMessage sits in a stream entry. Every field is a plain string any client can read
 * with XRANGE; `body` holds the payload bytes as they are (JSON text by default; a binary codec's
 * bytes are stored unchanged, Redis strings being binary-safe), so it is last.
 */
export const Fields = {
  id: 'id',
  key: 'key',
  timestamp: 'timestamp',
  headers: 'headers',
  body: 'body',
} as const;

/** Field names Polybus writes itself: a binary header of one of these names stays in `headers`. */
const KNOWN_FIELDS: readonly string[] = Object.values(Fields);

/**
 * XADD arguments after the entry id: `id <id> [key <key>] timestamp <ms> headers <json> body <bytes>`.
 * The id travels once, in `id`: the `polybus-id` header repeats it, so it is left out of `headers`
 * and restored on decode (smaller entries, less to parse per message). Headers listed in
 * `BINARY_HEADER` (bytes a foreign writer put in fields) go back as fields of their own, holding the
 * original bytes, before `body`: a dead letter keeps them as they came. Appended to `args` (the
 * XADD arguments before the fields), so a command is built in one array.
 */
export function appendEntry(
  args: Array<string | Buffer | number>,
  message: TransportMessage,
): Array<string | Buffer | number> {
  args.push(Fields.id, message.id);
  if (message.key !== undefined) args.push(Fields.key, message.key);
  args.push(Fields.timestamp, String(message.timestamp));
  // Text goes as a string: ioredis writes strings markedly faster than Buffer arguments, and the
  // bytes on the wire are the same. Anything that is not valid UTF-8 goes as the Buffer itself.
  const payload = message.payload;
  const body = typeof payload === 'string' || !isUtf8(payload) ? payload : payload.toString();
  // One property lookup for entries without binary headers, which is every entry Polybus made.
  if (message.headers[BINARY_HEADER] === undefined) {
    args.push(Fields.headers, headersJson(message.headers, message.id), Fields.body, body);
    return args;
  }
  const { headers, fields } = splitBinary(message.headers, KNOWN_FIELDS);
  args.push(Fields.headers, headersJson(headers, message.id), ...fields, Fields.body, body);
  return args;
}

/**
 * The `headers` field of a message with nothing but the defaults (its id and JSON's content type),
 * which is most messages: written and recognised as this constant, without a JSON.stringify or a
 * JSON.parse per message.
 */
const DEFAULT_HEADERS_JSON = JSON.stringify({ [Headers.contentType]: 'application/json' });
const DEFAULT_HEADERS_BYTES = Buffer.from(DEFAULT_HEADERS_JSON);

/** True when `headers` holds exactly `polybus-id` = `id` and the JSON content type. */
function onlyDefaults(headers: MessageHeaders, id: string): boolean {
  if (headers[Headers.id] !== id || headers[Headers.contentType] !== 'application/json') return false;
  let count = 0;
  for (const _name in headers) if (++count > 2) return false;
  return count === 2;
}

function headersJson(headers: MessageHeaders, id: string): string {
  if (onlyDefaults(headers, id)) return DEFAULT_HEADERS_JSON;
  if (headers[Headers.id] !== id) return JSON.stringify(headers);
  const { [Headers.id]: _id, ...rest } = headers;
  return JSON.stringify(rest);
}

/** The `headers` field as Polybus writes it (a JSON object of strings), or undefined: no Polybus writer made it. */
function parseHeaders(rawHeaders: Bulk): MessageHeaders | undefined {
  if (typeof rawHeaders !== 'string' && rawHeaders.equals(DEFAULT_HEADERS_BYTES))
    return { [Headers.contentType]: 'application/json' };
  const raw = utf8Text(rawHeaders);
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const headers = parsed as Record<string, unknown>;
  for (const name in headers) {
    if (typeof headers[name] !== 'string') headers[name] = JSON.stringify(headers[name]);
  }
  return headers as MessageHeaders;
}

/**
 * The `headers` field's headers over those of the entry's other fields, with one `BINARY_HEADER`
 * listing the binary headers of both (a name both hold is the `headers` field's).
 */
function mergeHeaders(own: MessageHeaders, fields: FieldHeaders): MessageHeaders {
  const merged = { ...fields.headers, ...own };
  const binary = fields.binary.filter((name) => own[name] === undefined);
  if (binary.length > 0)
    merged[BINARY_HEADER] = JSON.stringify([...binaryNames(own[BINARY_HEADER]), ...binary]);
  return merged;
}

/** The `Fields` name these bytes spell, or '' (which no known name is) for any other field. */
function knownField(bytes: Buffer): string {
  for (const name of KNOWN_FIELDS) {
    if (bytes.length !== name.length) continue;
    let i = 0;
    while (i < name.length && bytes[i] === name.charCodeAt(i)) i++;
    if (i === name.length) return name;
  }
  return '';
}

/**
 * `Number(text(value))`, without making a string when the bytes are plain decimal digits; NaN for
 * blank text, which Number() would read as 0 (a 1970 timestamp).
 */
function numberOf(value: Bulk): number {
  if (typeof value === 'string' || value.length === 0 || value.length > 15) return numberOfText(text(value));
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value[i]! - 48;
    if (d < 0 || d > 9) return numberOfText(text(value));
    n = n * 10 + d;
  }
  return n;
}
const numberOfText = (value: string): number => (value.trim() === '' ? NaN : Number(value));
const bytes = (value: Bulk): Buffer => (typeof value === 'string' ? Buffer.from(value, 'utf8') : value);

/**
 * Maps an entry, from Polybus or any other writer, to a TransportMessage. Only an entry in
 * Polybus's shape (an `id` and a `headers` field holding a JSON object, both UTF-8) is trusted with
 * its `id`; any other entry's id is `redis:<stream>:<entry-id>`, stable across redeliveries and
 * unique, so two foreign events with the same `id` field stay two messages (that field, and any
 * `headers` field that is not a JSON object, is kept as a header of that name). Fields we do not
 * know become headers (a value that is not UTF-8 as `base64:` and its bytes, listed in
 * `BINARY_HEADER` so a copy writes the bytes back), and so do a `timestamp` that is not a number and
 * a `key` that is not UTF-8: nothing a foreign writer sent is lost. An entry without `body` has an
 * empty payload, which the core dead-letters as `decode-error` instead of blocking the stream.
 */
export function decodeEntry(stream: string, entryId: string, fields: readonly Bulk[]): TransportMessage {
  // Made only for fields beyond the five Polybus writes (never on the hot path of Polybus entries).
  let extra: FieldHeaders | undefined;
  let rawId: Bulk | undefined;
  let key: string | undefined;
  let timestamp = NaN;
  let rawHeaders: Bulk | undefined;
  let payload: Buffer | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const field = fields[i]!;
    // Our names are matched on their bytes (no string per field); other names are decoded as UTF-8.
    const name = typeof field === 'string' ? field : knownField(field);
    const value = fields[i + 1]!;
    switch (name) {
      case Fields.id:
        rawId = value;
        break;
      case Fields.key:
        key = utf8Text(value);
        if (key === undefined) (extra ??= new FieldHeaders()).set(Fields.key, value);
        break;
      case Fields.timestamp:
        timestamp = numberOf(value);
        // Not a number: kept as the header `timestamp`; the message's is the entry id's time.
        if (!Number.isFinite(timestamp)) (extra ??= new FieldHeaders()).set(Fields.timestamp, value);
        break;
      case Fields.headers:
        rawHeaders = value;
        break;
      case Fields.body:
        payload = bytes(value);
        break;
      default:
        (extra ??= new FieldHeaders()).set(text(field), value);
    }
  }
  let id = rawId === undefined ? undefined : utf8Text(rawId);
  // An `id` that is not UTF-8 is no Polybus id: the entry is foreign, whatever its `headers`.
  const own =
    rawHeaders === undefined || (rawId !== undefined && id === undefined)
      ? undefined
      : parseHeaders(rawHeaders);
  let headers: MessageHeaders;
  if (own === undefined) {
    // Not Polybus's shape: what a foreign writer put in `id` and `headers` stays visible.
    extra ??= new FieldHeaders();
    if (rawHeaders !== undefined) extra.set(Fields.headers, rawHeaders);
    if (rawId !== undefined) extra.set(Fields.id, rawId);
    headers = extra.headers;
    if (extra.binary.length > 0) headers[BINARY_HEADER] = JSON.stringify(extra.binary);
    id = undefined;
  } else {
    // The common case, an entry Polybus wrote, has no other fields: the parsed object is the result.
    headers = extra === undefined ? own : mergeHeaders(own, extra);
    // The encoder leaves `polybus-id` out of `headers` because `id` carries it: put it back.
    if (id && headers[Headers.id] === undefined) headers[Headers.id] = id;
  }
  const message: { -readonly [K in keyof TransportMessage]: TransportMessage[K] } = {
    id: id || headers[Headers.id] || `redis:${stream}:${entryId}`,
    topic: stream,
    headers,
    payload: payload ?? Buffer.alloc(0),
    // The entry id starts with the server's milliseconds: a fair timestamp for foreign entries.
    timestamp: Number.isFinite(timestamp) ? timestamp : Number(entryId.split('-')[0]),
  };
  if (key !== undefined) message.key = key;
  return message;
}
