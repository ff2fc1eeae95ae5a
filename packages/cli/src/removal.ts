import type { DeadLetterAccess } from '@polybus/core/transport';
import { LetterScan } from './letter-scan';

/** Letters per browse: large enough that a Kafka read (one throw-away group each) is rare. */
export const PAGE_SIZE = 500;

/**
 * How many of `refs` are still on the topic, read again: where `removesEach` is false the broker
 * removed only a prefix, and only a fresh read says how much. Refs of a log (Kafka) are stable.
 */
export async function lettersKept(
  access: DeadLetterAccess,
  topic: string,
  refs: readonly string[],
): Promise<number> {
  if (refs.length === 0) return 0;
  const wanted = new Set(refs);
  const scan = new LetterScan(access, topic, PAGE_SIZE);
  try {
    let kept = 0;
    for await (const batch of scan.pages()) kept += batch.letters.filter((l) => wanted.has(l.ref)).length;
    return kept;
  } finally {
    await scan.release();
  }
}
