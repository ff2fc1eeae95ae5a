import { isUtf8 } from 'node:buffer';
import { Headers, type MessageHeaders, type TransportMessage } from '@polybus/core';
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

/**
 * XADD arguments after the entry id: `id <id> [key <key>] timestamp <ms> headers <json> body <bytes>`.
 * The id travels once, in `id`: the `polybus-id` header repeats it, so it is left out of `headers`
 * and restored on decode (smaller entries, less to parse per message). Appended to `args` (the
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
  args.push(Fields.headers, headersJson(message), Fields.body, body);
  return args;
}

function headersJson(message: TransportMessage): string {
  const headers = message.headers;
  if (headers[Headers.id] !== message.id) return JSON.stringify(headers);
  const { [Headers.id]: _id, ...rest } = headers;
  return JSON.stringify(rest);
}

/**
 * Headers from the `headers` field merged over `extra` (a foreign writer's other fields), or
 * undefined when the field is not a JSON object: no Polybus writer made it.
 */
function parseHeaders(raw: string, extra: MessageHeaders | undefined): MessageHeaders | undefined {
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
  // The common case, an entry Polybus wrote, has no other fields: the parsed object is the result.
  return extra === undefined ? (headers as MessageHeaders) : { ...extra, ...(headers as MessageHeaders) };
}

const KNOWN_FIELDS = Object.values(Fields);

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

/** `Number(text(value))`, without making a string when the bytes are plain decimal digits. */
function numberOf(value: Bulk): number {
  if (typeof value === 'string' || value.length === 0 || value.length > 15) return Number(text(value));
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const d = value[i]! - 48;
    if (d < 0 || d > 9) return Number(text(value));
    n = n * 10 + d;
  }
  return n;
}
const bytes = (value: Bulk): Buffer => (typeof value === 'string' ? Buffer.from(value, 'utf8') : value);

/**
 * Maps an entry, from Polybus or any other writer, to a TransportMessage. Only an entry in
 * Polybus's shape (an `id` and a `headers` field holding a JSON object) is trusted with its `id`;
 * any other entry's id is `redis:<stream>:<entry-id>`, stable across redeliveries and unique, so
 * two foreign events with the same `id` field stay two messages (that field, and any `headers`
 * field that is not a JSON object, is kept as a header of that name). Fields we do not know become
 * headers, so nothing a foreign writer sent is lost; an entry without `body` has an empty payload,
 * which the core dead-letters as `decode-error` instead of blocking the stream.
 */
export function decodeEntry(stream: string, entryId: string, fields: readonly Bulk[]): TransportMessage {
  let extra: MessageHeaders | undefined;
  let id: string | undefined;
  let key: string | undefined;
  let timestamp = NaN;
  let rawHeaders: string | undefined;
  let payload: Buffer | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const field = fields[i]!;
    // Our names are matched on their bytes (no string per field); other names are decoded as UTF-8.
    const name = typeof field === 'string' ? field : knownField(field);
    const value = fields[i + 1]!;
    switch (name) {
      case Fields.id:
        id = text(value);
        break;
      case Fields.key:
        key = text(value);
        break;
      case Fields.timestamp:
        timestamp = numberOf(value);
        break;
      case Fields.headers:
        rawHeaders = text(value);
        break;
      case Fields.body:
        payload = bytes(value);
        break;
      default:
        (extra ??= {})[text(field)] = text(value);
    }
  }
  let headers = rawHeaders === undefined ? undefined : parseHeaders(rawHeaders, extra);
  if (headers === undefined) {
    // Not Polybus's shape: what a foreign writer put in `id` and `headers` stays visible.
    headers = extra ?? {};
    if (rawHeaders !== undefined) headers[Fields.headers] = rawHeaders;
    if (id !== undefined) headers[Fields.id] = id;
    id = undefined;
  } else if (id && headers[Headers.id] === undefined) {
    // The encoder leaves `polybus-id` out of `headers` because `id` carries it: put it back.
    headers[Headers.id] = id;
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
