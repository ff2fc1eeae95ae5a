import { isUtf8 } from 'node:buffer';
import type { IHeaders } from 'kafkajs';
import type { MessageHeaders } from '@polybus/core';

/**
 * What a Kafka record can hold that a Polybus message's text key and headers cannot: bytes that are
 * not UTF-8, a header name repeated, a null header value. The handler gets each in a documented
 * text form, and the message is marked with these headers so that a copy Polybus writes of it
 * (dead letter, retry topic, re-publish) holds the record's bytes again. Polybus never writes the
 * marks themselves to Kafka. A record with UTF-8 key and headers and no repeats gets no mark.
 */
export const ForeignHeaders = {
  /** `base64`: `message.key` is `base64:` and the record key's bytes (not UTF-8) in base64. */
  keyEncoding: 'polybus-kafka-key-encoding',
  /** JSON array of the header names with a value that is not UTF-8: every value of theirs is `base64:…`. */
  base64: 'polybus-kafka-base64-headers',
  /**
   * JSON object: each header name the record carried more than once, or with a null value → all
   * its values in record order (as the handler would see them; JSON null for null). The header
   * itself holds the last one (the Java client's `lastHeader`), `''` for null.
   */
  values: 'polybus-kafka-header-values',
} as const;

/** How bytes that are not UTF-8 are given as text, as the SQS adapter gives Binary attributes. */
export const BASE64_PREFIX = 'base64:';

/** A header value as kafkajs decodes it: null when the record's value is null, an array when repeated. */
type RecordHeader = Buffer | string | null | readonly (Buffer | string | null)[];

/** `bytes` as text when they are UTF-8, else undefined. This runs per record key and header value. */
export function utf8Text(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  // Decoding puts U+FFFD where the bytes are not UTF-8: only then is the full check needed.
  return text.indexOf('\ufffd') === -1 || isUtf8(bytes) ? text : undefined;
}

export const base64Text = (bytes: Buffer): string => BASE64_PREFIX + bytes.toString('base64');

/**
 * Collects, off the common path, the headers of a record that plain text cannot carry, and marks
 * the message with them (`ForeignHeaders`).
 */
export class HeaderMarks {
  private readonly base64: string[] = [];
  private values: Record<string, (string | null)[]> | undefined;

  /** Sets `headers[name]` to the last value of `value`, keeping what it takes to write them all back. */
  add(headers: MessageHeaders, name: string, value: RecordHeader): void {
    const all = Array.isArray(value) ? (value as readonly (Buffer | string | null)[]) : [value as Buffer];
    if (all.length === 0) return;
    // One encoding per name, so the mark can say which names to decode: a name with any value
    // that is not UTF-8 has all of them in base64.
    const binary = all.some((v) => v !== null && typeof v !== 'string' && utf8Text(v) === undefined);
    const shown = all.map((v) =>
      v === null
        ? null
        : binary
          ? base64Text(typeof v === 'string' ? Buffer.from(v) : v)
          : typeof v === 'string'
            ? v
            : v.toString('utf8'),
    );
    if (binary) this.base64.push(name);
    headers[name] = shown[shown.length - 1] ?? '';
    if (shown.length > 1 || shown[0] === null)
      (this.values ??= Object.create(null) as Record<string, (string | null)[]>)[name] = shown;
  }

  markOn(headers: MessageHeaders): void {
    if (this.base64.length > 0) headers[ForeignHeaders.base64] = JSON.stringify(this.base64);
    if (this.values !== undefined) headers[ForeignHeaders.values] = JSON.stringify(this.values);
  }
}

/** Whether the message carries marks: a copy of it needs the record's bytes back. One lookup each. */
export function isMarked(headers: MessageHeaders): boolean {
  return (
    headers[ForeignHeaders.values] !== undefined ||
    headers[ForeignHeaders.base64] !== undefined ||
    headers[ForeignHeaders.keyEncoding] !== undefined
  );
}

export const isMark = (name: string): boolean =>
  name === ForeignHeaders.values || name === ForeignHeaders.base64 || name === ForeignHeaders.keyEncoding;

/**
 * The record's key and header bytes again, from a marked message. A mark only applies while what
 * it describes is unchanged: a header whose text is not the last of its recorded values, or a key
 * or value without the `base64:` prefix, was set anew (say by a handler copying the headers into a
 * new message) and is written as the text it is. Marks that are not well-formed are ignored.
 */
export class RecordBytes {
  private readonly base64: ReadonlySet<string>;
  private readonly values: ReadonlyMap<string, readonly (string | null)[]>;
  private readonly binaryKey: boolean;

  constructor(headers: MessageHeaders) {
    this.base64 = new Set(parseNames(headers[ForeignHeaders.base64]));
    this.values = parseValues(headers[ForeignHeaders.values]);
    this.binaryKey = headers[ForeignHeaders.keyEncoding] === 'base64';
  }

  key(key: string | undefined): Buffer | string | null {
    if (key === undefined) return null;
    return this.binaryKey ? bytesOf(key) : key;
  }

  header(name: string, text: string): IHeaders[string] {
    const all = this.values.get(name);
    const binary = this.base64.has(name);
    if (all === undefined || (all[all.length - 1] ?? '') !== text) return binary ? bytesOf(text) : text;
    // kafkajs writes an array as the header repeated, and null as a null value.
    return all.map((v) => (v === null || !binary ? v : bytesOf(v))) as (Buffer | string)[];
  }
}

function bytesOf(text: string): Buffer | string {
  return text.startsWith(BASE64_PREFIX) ? Buffer.from(text.slice(BASE64_PREFIX.length), 'base64') : text;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function parseNames(text: string | undefined): string[] {
  const names = parseJson(text);
  return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [];
}

function parseValues(text: string | undefined): Map<string, readonly (string | null)[]> {
  const values = parseJson(text);
  const kept = new Map<string, readonly (string | null)[]>();
  if (typeof values !== 'object' || values === null || Array.isArray(values)) return kept;
  for (const [name, all] of Object.entries(values)) {
    if (Array.isArray(all) && all.length > 0 && all.every((v) => v === null || typeof v === 'string'))
      kept.set(name, all as (string | null)[]);
  }
  return kept;
}
