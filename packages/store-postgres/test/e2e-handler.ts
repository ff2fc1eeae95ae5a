import { createHash } from 'node:crypto';

/** Deterministic injected failure: one message in eight fails its first attempt (after writing its effect). */
export function handlerFailure(id: string, attempt: number): boolean {
  return attempt === 1 && createHash('sha1').update(id).digest()[0] % 8 === 0;
}
