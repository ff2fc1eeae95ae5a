/**
 * Resolves `true` once the callback handed to `arm` is called, or `false` after `timeoutMs`,
 * whichever comes first; the timer is cleared either way. `arm` stores the callback where the
 * awaited event happens (the last in-flight delivery settling, the last publish answered).
 */
export async function calledWithin(arm: (done: () => void) => void, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const called = await Promise.race([
    new Promise<boolean>((resolve) => arm(() => resolve(true))),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
  ]);
  clearTimeout(timer);
  return called;
}
