import { Headers, type Transport, type TransportMessage } from '@polybus/core';
import type { DeadLetterAccess } from '@polybus/core/transport';
import { matches, type LetterFilter } from './filter';
import { LetterScan } from './letter-scan';
import { Pacer } from './pacer';
import { replayCopy } from './replay-copy';
import { lettersKept, PAGE_SIZE } from './removal';

export interface ReplayOptions extends LetterFilter {
  /** Most letters published per second (token pacing). Default: as fast as the broker acknowledges. */
  readonly ratePerSecond?: number;
  /** Count what would be replayed; publish and remove nothing. */
  readonly dryRun?: boolean;
  /** Stop after this many letters were replayed (or, dry, would be). */
  readonly limit?: number;
  /** Stops the replay after the letter in hand; what was published is still removed. */
  readonly signal?: AbortSignal;
}

export interface ReplayReport {
  readonly topic: string;
  readonly dryRun: boolean;
  /** Letters that matched the filter. */
  readonly matched: number;
  /** Published back to their source topic and acknowledged (dry run: would be). */
  readonly replayed: number;
  /** Replayed letters removed from the dead-letter topic. */
  readonly removed: number;
  /** Replayed letters still on the dead-letter topic (Kafka removes only a prefix; see `note`). */
  readonly kept: number;
  /** Ids of letters not replayed because their body is only a prefix (`polybus-dlq-truncated`). */
  readonly truncated: readonly string[];
  /** Ids of letters without `polybus-dlq-source`: nowhere to replay them to. */
  readonly noSource: readonly string[];
  /** Letters replayed per source topic. */
  readonly bySource: Readonly<Record<string, number>>;
  readonly removesEach: boolean;
  /** What the operator should know about letters left behind. */
  readonly note?: string;
}

/**
 * Publishes each matching letter to its source topic (at-least-once: after the broker's
 * acknowledgement) and only then removes it. A crash in between replays it again next time, which
 * an exactly-once consumer drops: the id and idempotency key are the original ones. A letter that
 * fails again while the replay runs comes back to the topic with the same id; it is not replayed a
 * second time in the same run.
 */
export async function replayLetters(
  transport: Transport,
  access: DeadLetterAccess,
  topic: string,
  options: ReplayOptions,
): Promise<ReplayReport> {
  const dryRun = options.dryRun ?? false;
  const pacer = new Pacer(options.ratePerSecond);
  const scan = new LetterScan(access, topic, PAGE_SIZE);
  const replayedIds = new Set<string>();
  const replayedRefs: string[] = [];
  const truncated: string[] = [];
  const noSource: string[] = [];
  const bySource: Record<string, number> = {};
  let matched = 0;
  let removed = 0;
  let removesEach = true;
  // Up to a tenth of a second's worth of letters per publish (100 at most): pacing stays smooth
  // and an unpaced replay is not one broker round trip per letter.
  const chunkSize = Math.max(1, Math.min(100, Math.floor((options.ratePerSecond ?? 1_000) / 10)));
  const full = (): boolean => options.limit !== undefined && replayedIds.size >= options.limit;
  try {
    for await (const batch of scan.pages(options.signal)) {
      removesEach = batch.removesEach;
      let pending: { copy: TransportMessage; ref: string }[] = [];
      // One publish per chunk, acknowledged before its letters are removed.
      const flush = async (): Promise<void> => {
        if (pending.length === 0) return;
        const chunk = pending;
        pending = [];
        await transport.publish(
          chunk.map((p) => p.copy),
          { guarantee: 'at-least-once' },
        );
        await batch.remove(chunk.map((p) => p.ref));
        removed += chunk.length;
        replayedRefs.push(...chunk.map((p) => p.ref));
      };
      for (const letter of batch.letters) {
        if (full() || options.signal?.aborted) break;
        if (!matches(letter, options) || replayedIds.has(letter.message.id)) continue;
        matched++;
        if (letter.message.headers[Headers.dlqTruncated] !== undefined) {
          truncated.push(letter.message.id);
          continue;
        }
        const copy = replayCopy(letter.message, topic);
        if (copy === undefined) {
          noSource.push(letter.message.id);
          continue;
        }
        replayedIds.add(copy.id);
        bySource[copy.topic] = (bySource[copy.topic] ?? 0) + 1;
        if (dryRun) continue;
        await pacer.take(options.signal);
        pending.push({ copy, ref: letter.ref });
        if (pending.length >= chunkSize) await flush();
      }
      await flush();
      if (full()) break;
    }
  } finally {
    await scan.release();
  }
  const kept = removesEach || dryRun ? 0 : await lettersKept(access, topic, replayedRefs);
  return {
    topic,
    dryRun,
    matched,
    replayed: replayedIds.size,
    removed: removesEach ? removed : removed - kept,
    kept,
    truncated,
    noSource,
    bySource,
    removesEach,
    ...(kept > 0
      ? {
          note:
            `${kept} replayed letter(s) stay on ${topic}: this broker removes only a prefix of the topic, and a ` +
            `letter not replayed (filtered out, truncated) comes before them. Replaying them again is harmless ` +
            `for exactly-once consumers (they drop the ids they processed); at-least-once consumers would ` +
            `process them again. 'polybus dlq purge' drops what is a prefix.`,
        }
      : {}),
  };
}
