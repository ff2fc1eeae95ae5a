import type { Codec } from './codec';
import type { IdempotencyStore } from './idempotency-store';
import type { Middleware } from './middleware';
import type { Guarantee } from './message';
import type { StandardSchemaV1 } from './standard-schema';

export interface RetryOptions {
  /** Total attempts, the first included, before the dead letter. Default 5. */
  maxAttempts?: number;
  /** Default 100 ms. */
  initialDelayMs?: number;
  /** Default 30 000 ms. */
  maxDelayMs?: number;
  /** Default 2. */
  multiplier?: number;
  /** Full jitter: a random delay between 0 and the computed one. Default true. */
  jitter?: boolean;
  /**
   * Attempts made in process, each after its backoff, before the core hands the retry to the
   * broker's delayed redelivery (where the transport has one). Default 3.
   */
  immediateAttempts?: number;
}

export interface BindOptions<T = unknown> {
  /** Consumer group (Kafka group, RabbitMQ queue, Redis group, SQS queue consumer). Required. */
  group: string;
  /** Default 'at-least-once'. */
  guarantee?: Guarantee;
  /** Required for exactly-once unless the transport has native transactions. */
  idempotency?: IdempotencyStore;
  /** How long an idempotency lock outlives a crashed processor. Default 30 000 ms. */
  idempotencyLockTtlMs?: number;
  /** `false` disables retries: the first failure goes to the dead letter. */
  retry?: RetryOptions | false;
  /** Default `${topic}.dlq`; `false` drops after the last attempt (logged and counted). */
  deadLetter?: string | false;
  /** Deliveries handled at once. Default 8. */
  concurrency?: number;
  /** Default 'none'. */
  ordering?: 'none' | 'per-key';
  /** Standard Schema validator; a body that fails goes to the dead letter with `validation-error`. */
  schema?: StandardSchemaV1<unknown, T>;
  /**
   * Per-attempt handler time limit: an attempt that runs longer fails with `HandlerTimeoutError`
   * (retried like any transient error) and its `ctx.signal` is aborted. Default 300 000 ms (5 min),
   * so a handler that hangs cannot hold its concurrency slot for ever; `false` = no limit. It
   * fires up to 20 % late (checked a few times per `timeoutMs`, not by a timer per message).
   */
  timeoutMs?: number | false;
  /** Default: the bus's codec (JSON). */
  codec?: Codec;
  /** Your middlewares for this binding, inside the bus's (`createBus({ middleware })`); see `Middleware`. */
  use?: readonly Middleware[];
  /**
   * Which errors no retry can fix, beside `PermanentError` (e.g. a driver's constraint violation):
   * `true` sends the message to the dead letter at once with `permanent-error`.
   */
  isPermanent?: (error: unknown) => boolean;
}

export interface ResolvedRetry {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
  readonly jitter: boolean;
  readonly immediateAttempts: number;
}

export const DEFAULT_RETRY: ResolvedRetry = {
  maxAttempts: 5,
  initialDelayMs: 100,
  maxDelayMs: 30_000,
  multiplier: 2,
  jitter: true,
  immediateAttempts: 3,
};

/** A binding with every default filled in and every field checked. */
export interface ResolvedBinding<T = unknown> {
  readonly topic: string;
  readonly group: string;
  readonly guarantee: Guarantee;
  readonly idempotency: IdempotencyStore | undefined;
  readonly idempotencyLockTtlMs: number;
  /** `retry: false` resolves to one attempt. */
  readonly retry: ResolvedRetry;
  readonly deadLetter: string | false;
  readonly concurrency: number;
  readonly ordering: 'none' | 'per-key';
  readonly schema: StandardSchemaV1<unknown, T> | undefined;
  /** Undefined when the binding said `timeoutMs: false`. */
  readonly timeoutMs: number | undefined;
  readonly codec: Codec;
  /** The bus's middlewares, then the binding's. */
  readonly use: readonly Middleware[];
  readonly isPermanent: ((error: unknown) => boolean) | undefined;
}
