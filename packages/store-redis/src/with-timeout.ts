/**
 * Rejects when `work` has not settled within `ms`. A shared client configured to queue commands
 * while Redis is down (ioredis' default offline queue) would otherwise hold a delivery for as long
 * as the outage lasts; the engine needs a prompt error to apply `onUnavailable`.
 */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`redis ${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
