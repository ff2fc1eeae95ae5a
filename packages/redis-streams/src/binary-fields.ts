import { isUtf8 } from 'node:buffer';
import type { MessageHeaders } from '@polybus/core';
import { text, type Bulk } from './replies';

/**
 * A header value that stands for bytes which are not UTF-8: `base64:` and the bytes in base64, the
 * encoding the SQS adapter uses for Binary attributes.
 */
export const BASE64_PREFIX = 'base64:';

/**
 * The header that says which headers hold `base64:` bytes: a JSON array of their names. Without it
 * a header whose text merely starts with `base64:` could not be told from one that came from bytes,
 * and a copy would turn the user's text into bytes.
 */
export const BINARY_HEADER = 'polybus-redis-binary';

/**
 * A field value as text, or undefined when its bytes are not UTF-8. Decoding first and checking only
 * text that holds U+FFFD keeps text cheap: `indexOf` of a character above U+00FF in a one-byte
 * (Latin-1) string fails at once, and a real U+FFFD (valid UTF-8) is told apart by `isUtf8`.
 */
export function utf8Text(value: Bulk): string | undefined {
  const decoded = text(value);
  if (typeof value === 'string' || decoded.indexOf('\ufffd') === -1 || isUtf8(value)) return decoded;
  return undefined;
}

/**
 * Headers made from the fields of an entry: a value that is UTF-8 as its text, any other as
 * `base64:`, its name listed in `BINARY_HEADER`. Made only for entries with fields beyond Polybus's.
 */
export class FieldHeaders {
  readonly headers: MessageHeaders = {};
  /** Names whose value is `base64:` bytes, in field order. */
  readonly binary: string[] = [];

  set(name: string, value: Bulk): void {
    const decoded = utf8Text(value);
    const at = this.binary.indexOf(name);
    // A repeated field name: the last value wins, bytes or text.
    if (at !== -1) this.binary.splice(at, 1);
    if (decoded !== undefined) {
      this.headers[name] = decoded;
      return;
    }
    this.headers[name] = BASE64_PREFIX + (value as Buffer).toString('base64');
    this.binary.push(name);
  }
}

/** The names a `BINARY_HEADER` value lists; [] for a value no Polybus writer made. */
export function binaryNames(marker: string | undefined): string[] {
  if (marker === undefined) return [];
  try {
    const names: unknown = JSON.parse(marker);
    if (Array.isArray(names) && names.every((n) => typeof n === 'string')) return names as string[];
  } catch {
    // not ours: a header of that name from someone else, left as it is
  }
  return [];
}

/**
 * Headers listed in `BINARY_HEADER` as `[name, bytes]` field pairs to write into the entry, and the
 * headers left for the `headers` field. A name in `keep` (the entry's own fields) stays a `base64:`
 * header, listed in the marker that is left; so does a value that is not exactly base64.
 */
export function splitBinary(
  headers: MessageHeaders,
  keep: readonly string[],
): { headers: MessageHeaders; fields: Array<string | Buffer> } {
  const names = binaryNames(headers[BINARY_HEADER]);
  if (names.length === 0) return { headers, fields: [] };
  const rest: MessageHeaders = { ...headers };
  const fields: Array<string | Buffer> = [];
  const kept: string[] = [];
  for (const name of names) {
    const bytes = keep.includes(name) ? undefined : base64Bytes(headers[name]);
    if (bytes === undefined) {
      if (headers[name] !== undefined) kept.push(name);
      continue;
    }
    fields.push(name, bytes);
    delete rest[name];
  }
  if (kept.length > 0) rest[BINARY_HEADER] = JSON.stringify(kept);
  else delete rest[BINARY_HEADER];
  return { headers: rest, fields };
}

function base64Bytes(value: string | undefined): Buffer | undefined {
  if (value === undefined || !value.startsWith(BASE64_PREFIX)) return undefined;
  const encoded = value.slice(BASE64_PREFIX.length);
  const bytes = Buffer.from(encoded, 'base64');
  // Node's decoder skips what is not base64: only an exact round trip is bytes we encoded.
  return bytes.toString('base64') === encoded ? bytes : undefined;
}
