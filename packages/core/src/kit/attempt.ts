/**
 * A `polybus-attempt` header value as the 1-based attempt it carries, or undefined when it is
 * absent or not a positive integer (a foreign writer's value): the transport then falls back to
 * the broker's own count, or 1. Takes a string or, from brokers with typed headers, a number.
 */
export function carriedAttempt(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 ? n : undefined;
}
