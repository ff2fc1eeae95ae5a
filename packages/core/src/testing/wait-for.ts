export interface WaitOptions {
  /** Default 10 000 ms. */
  timeoutMs?: number;
  /** Default 10 ms. */
  intervalMs?: number;
  /** Added to the timeout error, to say what was awaited. */
  description?: string;
}

/** Polls `condition` until it returns a truthy value (returned) or the time runs out (throws). */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: WaitOptions = {},
): Promise<NonNullable<T>> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline)
      throw new Error(
        `waitFor timed out after ${timeoutMs} ms${options.description ? `: ${options.description}` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 10));
  }
}
