import type { Handler, HandlerContext } from '../handler';
import type { Message } from '../message';
import { waitFor, type WaitOptions } from './wait-for';

export interface SpyCall<T> {
  readonly message: Message<T>;
  readonly attempt: number;
  readonly outcome: 'succeeded' | 'failed';
  readonly error?: unknown;
}

export type SpyMatch<T> =
  Partial<Pick<Message<T>, 'id' | 'key' | 'topic'>> | ((message: Message<T>) => boolean);

/**
 * Records every call of a handler so a test can await what it expects instead of sleeping:
 * `await spy.waitFor({ id })`. Bind `spy.handler`; pass your real handler to wrap it.
 */
export interface HandlerSpy<T> {
  readonly handler: Handler<T>;
  readonly calls: readonly SpyCall<T>[];
  /** Messages whose handler call succeeded, in completion order. */
  readonly processed: readonly Message<T>[];
  /** Resolves with the first successfully handled message that matches. */
  waitFor(match: SpyMatch<T>, options?: WaitOptions): Promise<Message<T>>;
  /** Resolves once at least `count` calls succeeded (duplicates count: prefer `waitForAll` for ids). */
  waitForCount(count: number, options?: WaitOptions): Promise<void>;
  /**
   * Resolves once every id was handled successfully at least once; at-least-once delivery may
   * repeat some, which a count would mistake for others. The timeout error lists what is missing.
   */
  waitForAll(ids: Iterable<string>, options?: WaitOptions): Promise<void>;
  clear(): void;
}

export function createSpy<T = unknown>(inner?: Handler<T>): HandlerSpy<T> {
  const calls: SpyCall<T>[] = [];
  const processed: Message<T>[] = [];
  const matches = (match: SpyMatch<T>, m: Message<T>): boolean =>
    typeof match === 'function'
      ? match(m)
      : (match.id === undefined || match.id === m.id) &&
        (match.key === undefined || match.key === m.key) &&
        (match.topic === undefined || match.topic === m.topic);

  return {
    calls,
    processed,
    async handler(message: Message<T>, ctx: HandlerContext) {
      try {
        await inner?.(message, ctx);
      } catch (error) {
        calls.push({ message, attempt: ctx.attempt, outcome: 'failed', error });
        throw error;
      }
      calls.push({ message, attempt: ctx.attempt, outcome: 'succeeded' });
      processed.push(message);
    },
    waitFor(match, options) {
      return waitFor(() => processed.find((m) => matches(match, m)), {
        description: 'a matching message was not processed',
        ...options,
      });
    },
    async waitForCount(count, options) {
      await waitFor(() => processed.length >= count, {
        description: `expected ${count} processed messages`,
        ...options,
      });
    },
    async waitForAll(ids, options) {
      const wanted = [...ids];
      const missing = () => {
        const seen = new Set(processed.map((m) => m.id));
        return wanted.filter((id) => !seen.has(id));
      };
      try {
        await waitFor(() => missing().length === 0, options);
      } catch {
        const left = missing();
        throw new Error(
          `${left.length} of ${wanted.length} ids not processed: ${left.slice(0, 20).join(', ')}`,
        );
      }
    },
    clear() {
      calls.length = 0;
      processed.length = 0;
    },
  };
}
