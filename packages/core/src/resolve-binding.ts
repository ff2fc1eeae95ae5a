import { DEFAULT_RETRY, type BindOptions, type ResolvedBinding, type ResolvedRetry } from './bind-options';
import { DEFAULT_HANDLER_TIMEOUT_MS } from './engine/timeout';
import type { Codec } from './codec';
import type { Middleware } from './middleware';
import { integerOption } from './kit/options';
import { ConfigurationError } from './errors/configuration-error';

const BIND_KEYS = new Set([
  'group',
  'guarantee',
  'idempotency',
  'idempotencyLockTtlMs',
  'retry',
  'deadLetter',
  'concurrency',
  'ordering',
  'schema',
  'timeoutMs',
  'codec',
  'use',
  'isPermanent',
]);
const RETRY_KEYS = new Set(Object.keys(DEFAULT_RETRY));
const GUARANTEES = ['at-most-once', 'at-least-once', 'exactly-once'];

function name(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 200)
    throw new ConfigurationError(field, `must be a non-empty string of at most 200 characters`);
  return value;
}

function resolveRetry(retry: BindOptions['retry']): ResolvedRetry {
  if (retry === false) return { ...DEFAULT_RETRY, maxAttempts: 1, immediateAttempts: 1 };
  if (retry === undefined) return DEFAULT_RETRY;
  if (typeof retry !== 'object' || retry === null)
    throw new ConfigurationError('retry', 'must be an object or false');
  for (const key of Object.keys(retry))
    if (!RETRY_KEYS.has(key)) throw new ConfigurationError(`retry.${key}`, 'unknown option');
  const resolved: ResolvedRetry = {
    maxAttempts: integerOption('retry.maxAttempts', retry.maxAttempts, DEFAULT_RETRY.maxAttempts),
    initialDelayMs: integerOption(
      'retry.initialDelayMs',
      retry.initialDelayMs,
      DEFAULT_RETRY.initialDelayMs,
      { min: 0 },
    ),
    maxDelayMs: integerOption('retry.maxDelayMs', retry.maxDelayMs, DEFAULT_RETRY.maxDelayMs, { min: 0 }),
    multiplier:
      retry.multiplier === undefined
        ? DEFAULT_RETRY.multiplier
        : typeof retry.multiplier === 'number' && retry.multiplier >= 1
          ? retry.multiplier
          : (() => {
              throw new ConfigurationError('retry.multiplier', 'must be a number ≥ 1');
            })(),
    jitter: retry.jitter ?? DEFAULT_RETRY.jitter,
    immediateAttempts: integerOption(
      'retry.immediateAttempts',
      retry.immediateAttempts,
      DEFAULT_RETRY.immediateAttempts,
    ),
  };
  if (resolved.maxDelayMs < resolved.initialDelayMs)
    throw new ConfigurationError('retry.maxDelayMs', 'must not be smaller than retry.initialDelayMs');
  return resolved;
}

/** Checks every bind option and fills in the defaults. Throws `ConfigurationError` naming the field. */
export function resolveBinding<T>(
  topic: string,
  options: BindOptions<T>,
  defaults: BindingDefaults,
): ResolvedBinding<T> {
  name('topic', topic);
  if (typeof options !== 'object' || options === null)
    throw new ConfigurationError('options', 'must be an object');
  for (const key of Object.keys(options))
    if (!BIND_KEYS.has(key)) throw new ConfigurationError(key, 'unknown option');
  const guarantee = options.guarantee ?? 'at-least-once';
  if (!GUARANTEES.includes(guarantee))
    throw new ConfigurationError(
      'guarantee',
      `must be one of ${GUARANTEES.join(', ')}, got '${String(guarantee)}'`,
    );
  if (guarantee === 'at-most-once' && options.retry !== undefined && options.retry !== false)
    throw new ConfigurationError(
      'retry',
      'at-most-once acknowledges before the handler runs, so it cannot retry',
    );
  if (guarantee === 'at-most-once' && options.idempotency)
    throw new ConfigurationError(
      'idempotency',
      'at-most-once never redelivers; an idempotency store has nothing to do',
    );
  const ordering = options.ordering ?? 'none';
  if (ordering !== 'none' && ordering !== 'per-key')
    throw new ConfigurationError('ordering', `must be 'none' or 'per-key'`);
  const store = options.idempotency;
  if (store !== undefined && (typeof store !== 'object' || typeof store.acquire !== 'function'))
    throw new ConfigurationError('idempotency', 'must be an IdempotencyStore (acquire/complete/release)');
  const schema = options.schema;
  if (schema !== undefined && typeof schema?.['~standard']?.validate !== 'function')
    throw new ConfigurationError('schema', 'must implement Standard Schema v1 (~standard.validate)');
  const deadLetter = options.deadLetter === undefined ? `${topic}.dlq` : options.deadLetter;
  if (deadLetter !== false) name('deadLetter', deadLetter);
  if (deadLetter === topic) throw new ConfigurationError('deadLetter', 'must differ from the topic itself');
  return {
    topic,
    group: name('group', options.group),
    guarantee,
    idempotency: store,
    idempotencyLockTtlMs: integerOption('idempotencyLockTtlMs', options.idempotencyLockTtlMs, 30_000),
    retry: guarantee === 'at-most-once' ? resolveRetry(false) : resolveRetry(options.retry),
    deadLetter,
    concurrency: integerOption('concurrency', options.concurrency, 8),
    ordering,
    schema,
    timeoutMs:
      options.timeoutMs === false
        ? undefined
        : integerOption('timeoutMs', options.timeoutMs, DEFAULT_HANDLER_TIMEOUT_MS),
    codec: options.codec ?? defaults.codec,
    use: middlewares('use', options.use, defaults.middleware),
    isPermanent: fn('isPermanent', options.isPermanent),
  };
}

/** What a binding takes from its bus unless it says otherwise. */
export interface BindingDefaults {
  readonly codec: Codec;
  /** The bus's middlewares: outside each binding's own. */
  readonly middleware?: readonly Middleware[];
}

/** `outer` then `list`, each checked to be a function; `field` names the option in errors. */
export function middlewares(
  field: string,
  list: readonly Middleware[] | undefined,
  outer: readonly Middleware[] = [],
): readonly Middleware[] {
  if (list === undefined) return outer;
  if (!Array.isArray(list)) throw new ConfigurationError(field, 'must be an array of middleware functions');
  list.forEach((m, i) => fn(`${field}[${i}]`, m));
  return outer.length === 0 ? list : [...outer, ...list];
}

function fn<F>(field: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function')
    throw new ConfigurationError(field, 'must be a function');
  return value;
}
