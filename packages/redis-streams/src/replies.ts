/**
 * Reply shapes of the stream commands we rely on, normalised. Verified against Redis 7.0 with
 * ioredis 6 over RESP3 in both reply mappings:
 *
 * - XREADGROUP: legacy `[[stream, entries]]` (ioredis re-wraps the RESP3 map), `replyMapping:
 *   'resp3'` `{ stream: entries }`; `null` when the BLOCK times out. An entry is `[id, fields]`,
 *   fields a flat `[name, value, ...]` list, or `null` when the entry was trimmed while pending.
 * - XAUTOCLAIM: `[nextCursor, entries, deletedIds]` in both mappings (Redis >= 7).
 * - XPENDING extended: `[[id, consumer, idleMs, deliveryCount], ...]` in both mappings.
 * - XINFO CONSUMERS: legacy `[[name, v, pending, v, idle, v], ...]`, resp3 `[{ name, pending, idle }]`.
 * - XINFO GROUPS: the same two shapes, with `pending` and (Redis >= 7) `lag`, nil when unknown.
 *
 * The *Buffer variants return the same shapes with Buffers for every bulk string.
 */

export type Bulk = Buffer | string;

export interface RawEntry {
  readonly entryId: string;
  /** Flat `[name, value, name, value, ...]` in stream order; null when the entry no longer exists. */
  readonly fields: readonly Bulk[] | null;
}

/**
 * A bulk string as text (UTF-8). `toString()` without an encoding argument is Node's UTF-8 fast
 * path; `toString('utf8')` first looks the encoding up, which shows in the consumer's profile.
 */
export const text = (value: Bulk): string => (typeof value === 'string' ? value : value.toString());

function parseEntry(raw: unknown): RawEntry {
  const [id, flat] = raw as [Bulk, Bulk[] | null];
  return { entryId: text(id), fields: flat ?? null };
}

/** One entry as the reply holds it: `[id, fields]`, fields null when the entry was trimmed while pending. */
export type ReplyEntry = [Bulk, Bulk[] | null];

/**
 * The entries array of an XREADGROUP reply for one stream (we always read a single stream), as the
 * client built it: the caller may clear its slots as it goes, so each entry's buffers can be
 * collected as soon as the entry is decoded. Empty when the BLOCK timed out.
 */
export function readGroupEntries(reply: unknown): Array<ReplyEntry | undefined> {
  if (reply === null || reply === undefined) return [];
  let entries: unknown[] | undefined;
  if (Array.isArray(reply)) {
    entries = (reply[0] as [Bulk, unknown[]] | undefined)?.[1];
  } else if (typeof reply === 'object') {
    entries = Object.values(reply as Record<string, unknown[]>)[0];
  }
  return (entries ?? []) as Array<ReplyEntry | undefined>;
}

export interface AutoClaimResult {
  readonly cursor: string;
  readonly entries: RawEntry[];
  readonly deleted: string[];
}

export function parseAutoClaimReply(reply: unknown): AutoClaimResult {
  const [cursor, entries, deleted] = reply as [Bulk, unknown[], Bulk[] | undefined];
  return {
    cursor: text(cursor),
    entries: (entries ?? []).map(parseEntry),
    deleted: (deleted ?? []).map(text),
  };
}

/** entry id → delivery count, from an extended XPENDING reply. */
export function parsePendingCounts(reply: unknown): Map<string, number> {
  const counts = new Map<string, number>();
  for (const row of (reply as unknown[][] | null) ?? []) counts.set(text(row[0] as Bulk), Number(row[3]));
  return counts;
}

export interface ConsumerInfo {
  readonly name: string;
  readonly pending: number;
  readonly idle: number;
}

/** One row of an XINFO reply as a record: legacy replies are flat `[name, value, ...]` lists. */
function recordOf(row: unknown): Record<string, unknown> {
  if (!Array.isArray(row)) return row as Record<string, unknown>;
  const record: Record<string, unknown> = {};
  for (let i = 0; i + 1 < row.length; i += 2) record[text(row[i] as Bulk)] = row[i + 1];
  return record;
}

export function parseConsumersReply(reply: unknown): ConsumerInfo[] {
  return ((reply as unknown[] | null) ?? []).map((row) => {
    const record = recordOf(row);
    return { name: text(record.name as Bulk), pending: Number(record.pending), idle: Number(record.idle) };
  });
}

export interface GroupInfo {
  readonly name: string;
  /** Delivered to a consumer and not acknowledged yet. */
  readonly pending: number;
  /** Entries not delivered to the group yet; undefined when Redis cannot tell (nil `lag`). */
  readonly lag: number | undefined;
}

/** XINFO GROUPS (Redis >= 7 for `lag`): legacy `[[name, v, ..., lag, v], ...]`, resp3 `[{ name, pending, lag }]`. */
export function parseGroupsReply(reply: unknown): GroupInfo[] {
  return ((reply as unknown[] | null) ?? []).map((row) => {
    const record = recordOf(row);
    const lag = record.lag;
    return {
      name: text(record.name as Bulk),
      pending: Number(record.pending),
      lag: lag === null || lag === undefined ? undefined : Number(lag),
    };
  });
}
