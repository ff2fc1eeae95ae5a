/**
 * `work`, or a rejection with `onTimeout()` once `ms` have passed without it settling. The work is
 * not cancelled (JavaScript cannot): a publish that times out may still reach the broker, which is
 * why a timed-out publish is a `PublishError` the caller may retry (at-least-once). The timer is
 * cleared as soon as `work` settles, so nothing keeps the process alive.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const elapsed = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  work.catch(() => undefined); // a late failure after the timeout has nobody left to tell
  return Promise.race([work, elapsed]).finally(() => clearTimeout(timer));
}
