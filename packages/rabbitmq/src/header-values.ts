/**
 * AMQP header values that are not strings, as the strings `MessageHeaders` holds, and back.
 * amqplib decodes every integer and float width to a JS number, `bool` to a boolean, `void` to
 * null, a byte array to a Buffer, a table to an object, an array to an array, and timestamps and
 * decimals to `{ '!': 'timestamp' | 'decimal', value }`. The text forms (docs/adapters/rabbitmq.md,
 * "Foreign producers"):
 *
 * - number, boolean: their text (`42`, `2.5`, `NaN`, `true`); void: the empty string
 * - timestamp (whole seconds): ISO 8601 UTC, `2023-11-14T22:13:20Z`
 * - decimal: its digits with the point at `places`, `123.45`
 * - bytes: `base64:<base64>` (as the SQS adapter shows Binary attributes)
 * - table, array: JSON, nested values written the same way (numbers, booleans, null and strings
 *   as JSON's own; timestamps, decimals, bytes and non-finite numbers as the strings above)
 *
 * Each such header's type goes into one header, `polybus-amqp-types`, so that a copy Polybus
 * writes (retry, dead letter) carries the header with its AMQP type again.
 */
export const TYPES_HEADER = 'polybus-amqp-types';

type Scalar = 'number' | 'boolean' | 'void' | 'timestamp' | 'decimal' | 'bytes';

/**
 * What a header was on the wire. A table or array whose nested values JSON tells apart by itself
 * is `'table'` / `'array'`; otherwise the types of the nested values it cannot tell (by field name
 * or array index) are listed: `{ table: { at: 'timestamp' } }`.
 */
export type HeaderType =
  | Scalar
  | 'table'
  | 'array'
  | { readonly table: Readonly<Record<string, HeaderType>> }
  | { readonly array: Readonly<Record<string, HeaderType>> };

export interface TypedText {
  readonly text: string;
  readonly type: HeaderType;
}

/** The text and type of a header value amqplib decoded, other than a string. */
export function typedText(value: unknown): TypedText | undefined {
  if (typeof value === 'number') return { text: String(value), type: 'number' };
  if (typeof value === 'boolean') return { text: String(value), type: 'boolean' };
  if (typeof value !== 'object') return undefined; // amqplib decodes nothing else
  if (value === null) return { text: '', type: 'void' };
  const scalar = scalarText(value);
  if (scalar !== undefined) return scalar;
  const { json, type } = asJson(value);
  return { text: JSON.stringify(json), type: type ?? (Array.isArray(value) ? 'array' : 'table') };
}

/** Bytes, timestamps and decimals: objects that stand for one value. */
function scalarText(value: object): TypedText | undefined {
  if (Buffer.isBuffer(value)) return { text: `base64:${value.toString('base64')}`, type: 'bytes' };
  if (!Object.hasOwn(value, '!')) return undefined;
  const { '!': tag, value: inner } = value as { '!': unknown; value: unknown };
  if (tag === 'timestamp' && typeof inner === 'number') return { text: isoSeconds(inner), type: 'timestamp' };
  if (tag === 'decimal' && typeof inner === 'object' && inner !== null) {
    const { places, digits } = inner as { places?: unknown; digits?: unknown };
    if (typeof places === 'number' && typeof digits === 'number')
      return { text: decimalText(places, digits), type: 'decimal' };
  }
  return undefined;
}

/** A nested value as JSON, with its type when JSON alone would not tell it back. */
function asJson(value: unknown): { json: unknown; type?: HeaderType } {
  if (typeof value === 'number')
    return Number.isFinite(value) ? { json: value } : { json: String(value), type: 'number' };
  if (typeof value !== 'object' || value === null) return { json: value ?? null };
  const scalar = scalarText(value);
  if (scalar !== undefined) return { json: scalar.text, type: scalar.type };
  const isArray = Array.isArray(value);
  const json: Record<string, unknown> | unknown[] = isArray ? [] : {};
  let types: Record<string, HeaderType> | undefined;
  for (const name in value) {
    const child = asJson((value as Record<string, unknown>)[name]);
    (json as Record<string, unknown>)[name] = child.json;
    if (child.type !== undefined) (types ??= {})[name] = child.type;
  }
  if (types === undefined) return { json };
  return { json, type: isArray ? { array: types } : { table: types } };
}

/** Seconds as ISO 8601 without the (always zero) milliseconds; beyond `Date`'s range, the count. */
function isoSeconds(seconds: number): string {
  const ms = seconds * 1000;
  if (!(Math.abs(ms) <= 8.64e15)) return String(seconds);
  return `${new Date(ms).toISOString().slice(0, -5)}Z`;
}

function decimalText(places: number, digits: number): string {
  if (places === 0) return String(digits);
  const text = String(digits).padStart(places + 1, '0');
  return `${text.slice(0, -places)}.${text.slice(-places)}`;
}

/**
 * The value amqplib should encode for `text` of `type`, or undefined when the text is not of that
 * type (the header was changed since): it is then written as the string it is.
 */
export function typedValue(text: string, type: unknown): unknown {
  if (type === 'table' || type === 'array' || (typeof type === 'object' && type !== null)) {
    const json = parseJson(text);
    if (typeof json !== 'object' || json === null) return undefined;
    const array = type === 'array' || (typeof type === 'object' && type !== null && 'array' in type);
    return Array.isArray(json) === array ? fromJson(json, type) : undefined;
  }
  return scalarValue(text, type);
}

function scalarValue(text: string, type: unknown): unknown {
  switch (type) {
    case 'number': {
      const n = Number(text);
      return String(n) === text ? numberValue(n) : undefined;
    }
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    case 'void':
      return text === '' ? null : undefined;
    case 'timestamp':
      return timestampValue(text);
    case 'decimal': {
      const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
      if (!match) return undefined;
      const places = match[2]?.length ?? 0;
      const digits = Number(match[1] + (match[2] ?? ''));
      return places < 256 && digits <= 0xffffffff ? { '!': 'decimal', value: { places, digits } } : undefined;
    }
    case 'bytes': {
      if (!text.startsWith('base64:')) return undefined;
      const bytes = Buffer.from(text.slice(7), 'base64');
      return bytes.toString('base64') === text.slice(7) ? bytes : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * amqplib encodes an integer as the smallest signed type that holds it and other numbers as a
 * double, but it guesses integer for non-integers from 2^50 on and then throws, as it does for NaN
 * and numbers below -2^63: those are marked double here.
 */
function numberValue(n: number): unknown {
  return Number.isInteger(n) && n >= -0x8000000000000000 ? n : { '!': 'double', value: n };
}

function timestampValue(text: string): unknown {
  const seconds = /^\d+$/.test(text) ? Number(text) : Date.parse(text) / 1000;
  return Number.isInteger(seconds) && seconds >= 0 ? { '!': 'timestamp', value: seconds } : undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A table's or array's entry of the marker, as read (not trusted: the header may have been edited). */
interface Listed {
  readonly table?: unknown;
  readonly array?: unknown;
}

/** Parsed JSON back to what amqplib encodes: listed nested types restored, numbers made safe. */
function fromJson(json: unknown, type: unknown): unknown {
  if (typeof json === 'number') return numberValue(json);
  if (typeof json === 'string') return typeof type === 'string' ? (scalarValue(json, type) ?? json) : json;
  if (typeof json !== 'object' || json === null) return json;
  const { table, array } = typeof type === 'object' && type !== null ? (type as Listed) : ({} as Listed);
  const listed = Array.isArray(json) ? array : table;
  const types = typeof listed === 'object' && listed !== null ? (listed as Record<string, unknown>) : {};
  const values = json as Record<string, unknown>;
  for (const name in values)
    values[name] = fromJson(values[name], Object.hasOwn(types, name) ? types[name] : undefined);
  return json;
}

/**
 * Replaces, in place, the headers `types` (the `polybus-amqp-types` text) names with their typed
 * values. A malformed marker or a header that no longer fits its type leaves the strings as they are.
 */
export function restoreTypes(headers: Record<string, unknown>, types: string): void {
  const parsed = parseJson(types);
  if (typeof parsed !== 'object' || parsed === null) return;
  for (const name in parsed) {
    const text = headers[name];
    if (typeof text !== 'string' || !Object.hasOwn(headers, name)) continue;
    const value = typedValue(text, (parsed as Record<string, unknown>)[name]);
    if (value !== undefined) headers[name] = value;
  }
}
