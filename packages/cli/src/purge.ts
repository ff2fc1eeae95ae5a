import type { DeadLetterAccess } from '@polybus/core/transport';
import { matches, type LetterFilter } from './filter';
import { LetterScan } from './letter-scan';
import { lettersKept, PAGE_SIZE } from './removal';

export interface PurgeReport {
  readonly topic: string;
  readonly matched: number;
  readonly removed: number;
  /** Matching letters still there: where only a prefix can go (Kafka), those after a kept letter. */
  readonly kept: number;
  readonly removesEach: boolean;
  readonly note?: string;
}

/** Removes every letter that matches `filter` (all of them when it is empty), for good. */
export async function purgeLetters(
  access: DeadLetterAccess,
  topic: string,
  filter: LetterFilter,
): Promise<PurgeReport> {
  const scan = new LetterScan(access, topic, PAGE_SIZE);
  const refs: string[] = [];
  let removesEach = true;
  try {
    for await (const batch of scan.pages()) {
      removesEach = batch.removesEach;
      const mine = batch.letters.filter((l) => matches(l, filter)).map((l) => l.ref);
      if (mine.length > 0) await batch.remove(mine);
      refs.push(...mine);
    }
  } finally {
    await scan.release();
  }
  const kept = removesEach ? 0 : await lettersKept(access, topic, refs);
  return {
    topic,
    matched: refs.length,
    removed: refs.length - kept,
    kept,
    removesEach,
    ...(kept > 0
      ? {
          note:
            `${kept} matching letter(s) stay on ${topic}: this broker removes only a prefix of the topic, ` +
            `and a letter that does not match comes before them. Purge without filters to drop them all.`,
        }
      : {}),
  };
}
