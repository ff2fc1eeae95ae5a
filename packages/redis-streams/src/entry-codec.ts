import type { MessageHeaders, TransportMessage } from '@polybus/core';
import type { RawEntry } from './replies';

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

const KNOWN = new Set<string>(Object.values(Fields));

/** XADD arguments after the entry id: `id <id> [key <key>] timestamp <ms> headers <json> body <bytes>`. */
export function encodeEntry(message: TransportMessage): Array<string | Buffer> {
  const args: Array<string | Buffer> = [Fields.id, message.id];
  if (message.key !== undefined) args.push(Fields.key, message.key);
  args.push(Fields.timestamp, String(message.timestamp));
  args.push(Fields.headers, JSON.stringify(message.headers), Fields.body, message.payload);
  return args;
}

function parseHeaders(raw: string | undefined, headers: MessageHeaders): void {
  if (raw === undefined) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    // Keep what a foreign writer put there rather than dropping it: the dead letter shows it.
    headers[Fields.headers] = raw;
    return;
  }
  for (const [name, value] of Object.entries(parsed)) {
    headers[name] = typeof value === 'string' ? value : JSON.stringify(value);
  }
}

/**
 * Maps an entry, from Polybus or any other writer, to a TransportMessage. An entry without `id`
 * gets `redis:<stream>:<entry-id>`, stable across redeliveries. Fields we do not know become
 * headers, so nothing a foreign writer sent is lost; an entry without `body` has an empty payload,
 * which the core dead-letters as `decode-error` instead of blocking the stream.
 */
export function decodeEntry(stream: string, entry: RawEntry & { fields: NonNullable<RawEntry['fields']> }): TransportMessage {
  const values = new Map<string, Buffer>();
  const headers: MessageHeaders = {};
  for (const [name, value] of entry.fields) {
    if (KNOWN.has(name)) values.set(name, value);
    else headers[name] = value.toString('utf8');
  }
  parseHeaders(values.get(Fields.headers)?.toString('utf8'), headers);
  const timestamp = Number(values.get(Fields.timestamp)?.toString('utf8'));
  const key = values.get(Fields.key)?.toString('utf8');
  return {
    id: values.get(Fields.id)?.toString('utf8') || `redis:${stream}:${entry.entryId}`,
    topic: stream,
    ...(key === undefined ? {} : { key }),
    headers,
    payload: values.get(Fields.body) ?? Buffer.alloc(0),
    // The entry id starts with the server's milliseconds: a fair timestamp for foreign entries.
    timestamp: Number.isFinite(timestamp) ? timestamp : Number(entry.entryId.split('-')[0]),
  };
}
