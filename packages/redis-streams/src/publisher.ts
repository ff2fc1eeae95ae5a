import { PublishError, type Guarantee, type Logger, type TransportMessage } from '@polybus/core';
import { backoffDelay, sleep, withTimeout, type BackoffPolicy } from '@polybus/core/transport';
import type { Redis } from 'ioredis';
import { appendEntry } from './wire';
import type { ResolvedOptions } from './options';

/** XADD arguments for one message: the trimming clause first, then `*` for a server-assigned id. */
export function xaddArgs(
  message: TransportMessage,
  maxLen: number | undefined,
): Array<string | Buffer | number> {
  const head = maxLen === undefined ? [message.topic, '*'] : [message.topic, 'MAXLEN', '~', maxLen, '*'];
  return appendEntry(head, message);
}

/** A reply error (WRONGTYPE, OOM, ...) is the server's verdict; retrying will not change it. */
const isServerVerdict = (error: unknown): boolean => error instanceof Error && error.name === 'ReplyError';

/** Between attempts of a publish the connection failed: 50 ms doubling, up to 2 s. */
const PUBLISH_BACKOFF: BackoffPolicy = {
  initialDelayMs: 50,
  maxDelayMs: 2_000,
  multiplier: 2,
  jitter: false,
};

/**
 * Writes batches with one pipelined round trip. At-most-once hands the pipeline to the client and
 * returns; at-least-once waits for every XADD reply and retries from the first failed entry on
 * connection errors (a retry may duplicate entries after it: allowed by at-least-once, and order
 * per key is kept because the rest of the batch is rewritten in order).
 */
export class Publisher {
  private readonly maxLen: number | undefined;
  private readonly attempts: number;
  private readonly timeoutMs: number;
  private readonly logger: Logger;

  constructor(
    private readonly redis: Redis,
    options: Pick<ResolvedOptions, 'maxLen' | 'publishAttempts' | 'publishTimeoutMs' | 'logger'>,
  ) {
    this.maxLen = options.maxLen;
    this.attempts = options.publishAttempts;
    this.timeoutMs = options.publishTimeoutMs;
    this.logger = options.logger;
  }

  /** Rejects with `PublishError` when Redis has not answered within `publishTimeoutMs`. */
  publish(messages: readonly TransportMessage[], guarantee: Guarantee): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    if (guarantee === 'at-most-once') {
      this.send(messages).catch((error: unknown) =>
        this.logger.warn('redis-streams: fire-and-forget publish failed', { error: String(error) }),
      );
      return Promise.resolve();
    }
    const deadline = Date.now() + this.timeoutMs;
    return withTimeout(
      this.confirmed(messages, deadline),
      this.timeoutMs,
      () =>
        new PublishError(
          messages[0]!.topic,
          `no answer from Redis within publishTimeoutMs ${this.timeoutMs} ms`,
        ),
    );
  }

  private async confirmed(messages: readonly TransportMessage[], deadline: number): Promise<void> {
    let remaining = messages;
    for (let attempt = 1; ; attempt++) {
      const failure = await this.send(remaining).then(
        (results) => firstFailure(results),
        (error: unknown) => ({ index: 0, error }),
      );
      if (failure === undefined) return;
      const topic = remaining[failure.index]!.topic;
      if (isServerVerdict(failure.error) || attempt >= this.attempts || Date.now() >= deadline) {
        throw new PublishError(topic, errorText(failure.error), { cause: failure.error });
      }
      this.logger.warn('redis-streams: publish failed, retrying', {
        topic,
        attempt,
        error: errorText(failure.error),
      });
      remaining = remaining.slice(failure.index);
      await sleep(backoffDelay(attempt, PUBLISH_BACKOFF));
    }
  }

  private async send(messages: readonly TransportMessage[]): Promise<Array<[Error | null, unknown]>> {
    const pipeline = this.redis.pipeline();
    for (const message of messages)
      pipeline.xadd(...(xaddArgs(message, this.maxLen) as [string, ...string[]]));
    return (await pipeline.exec()) ?? [];
  }
}

function firstFailure(
  results: Array<[Error | null, unknown]>,
): { index: number; error: unknown } | undefined {
  const index = results.findIndex(([error]) => error !== null);
  return index < 0 ? undefined : { index, error: results[index]![0] };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
