import type { ResolvedRetry } from '../bind-options';

/** What a backoff needs: a binding's retry settings, or a transport's for reconnects and polls. */
export type BackoffPolicy = Pick<ResolvedRetry, 'initialDelayMs' | 'maxDelayMs' | 'multiplier' | 'jitter'>;

/**
 * Delay before attempt `attempt + 1`: exponential from `initialDelayMs`, capped at `maxDelayMs`,
 * with "equal jitter" when enabled: a random delay between half and all of it, which spreads
 * the retries of many consumers apart yet keeps a lower bound that grows.
 */
export function backoffDelay(
  attempt: number,
  retry: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const exponential = retry.initialDelayMs * Math.pow(retry.multiplier, Math.max(0, attempt - 1));
  const capped = Math.min(retry.maxDelayMs, exponential);
  return Math.round(retry.jitter ? capped * (0.5 + random() / 2) : capped);
}
