import { ConfigurationError, type Guarantee } from '@polybus/core';
import { brokerAddress } from '../network/broker-address';
import { PROFILE_NAMES, PROFILES, type Profile } from './profiles';

export type { Profile } from './profiles';

/**
 * `kill-consumer` / `kill-publisher`: SIGKILL a consumer / publisher process and restart it.
 * `cut`: the proxy between the workers and the broker drops every connection and refuses new ones
 * for `cutSeconds`. `stall`: it holds every byte, connections left open, for `stallSeconds`.
 * `broker-restart`: runs `brokerRestartCmd` (added by giving the command).
 */
export type Fault = 'kill-consumer' | 'kill-publisher' | 'cut' | 'stall' | 'broker-restart';
export const FAULTS: readonly Fault[] = ['kill-consumer', 'kill-publisher', 'cut', 'stall', 'broker-restart'];
export type StoreKind = 'redis' | 'postgres' | 'memory' | 'none';

/** A verification run. Every random choice derives from `seed`, so a seed names a run. */
export interface WorkloadOptions {
  /** The broker, as for `createBus({ url })`. */
  readonly url: string;
  readonly guarantee: Guarantee;
  /** Distinct messages (duplicate publishes not counted). */
  readonly messages: number;
  readonly seed: number;
  /** Publisher processes; each owns a share of the keys and publishes each key's messages in order. */
  readonly publishers: number;
  /** Consumer processes, competing members of one group. */
  readonly consumers: number;
  readonly keys: number;
  /** `per-key` binds with `ordering: 'per-key'` and makes a reorder a failure. */
  readonly ordering: 'none' | 'per-key';
  /** Chance that an attempt of the handler throws an ordinary (retried) error. */
  readonly transientFailureRate: number;
  /** Chance that a message's handler throws `PermanentError` (dead letter at once). */
  readonly permanentFailureRate: number;
  /** Chance that a message's handler throws an ordinary error on every attempt (dead letter once retries are spent). */
  readonly poisonRate: number;
  /** Chance that a message is published a second time under the same idempotency key. */
  readonly duplicatePublishRate: number;
  /** Messages per second over all publishers; 0 publishes as fast as the broker acknowledges. */
  readonly publishRate: number;
  readonly faults: readonly Fault[];
  /** SIGKILLs of a consumer (each restarted at once), spread over the run, with `kill-consumer`. */
  readonly kills: number;
  /** SIGKILLs of a publisher (each restarted, resuming after its last acknowledged publish), with `kill-publisher`. */
  readonly publisherKills: number;
  /**
   * A shell command that restarts the broker (`broker-restart`, added to `faults` when given): run
   * once, at a seeded point; the fault lasts until it exits, recovery is measured from there.
   */
  readonly brokerRestartCmd?: string;
  /** How long the one `cut` lasts. */
  readonly cutSeconds: number;
  /** How long the one `stall` lasts. */
  readonly stallSeconds: number;
  /**
   * Idempotency store of exactly-once bindings: `redis` is shared by every consumer process;
   * `postgres` is the `postgresInbox`, the handler's effect written in its transaction.
   */
  readonly store: StoreKind;
  /** The store's Redis (default `redis://127.0.0.1:6379`) or PostgreSQL (`postgres://…`, required). */
  readonly storeUrl: string;
  readonly concurrency: number;
  readonly idempotencyLockTtlMs: number;
  /** Give up waiting for the remaining messages after this long without a new ledger event. */
  readonly settleTimeoutMs: number;
  /** Where the ledgers and result.json go. Default: a fresh temporary directory. */
  readonly dir?: string;
  /** Default `polybus-verify-<seed>-<time>`, so runs never share a topic or group. */
  readonly topic?: string;
}

/**
 * What a caller asks for: any options over the profile's, and instead of `messages` a
 * `durationSeconds` to publish for (at the publish rate: `messages` = rate × seconds).
 */
export type WorkloadRequest = Partial<WorkloadOptions> &
  Pick<WorkloadOptions, 'url'> & { readonly durationSeconds?: number };

/** The profile's values under `request`; checked, so a worker never starts with a bad option. */
export function resolveOptions(request: WorkloadRequest, profile: Profile = 'default'): WorkloadOptions {
  if (!PROFILE_NAMES.includes(profile))
    throw new ConfigurationError('profile', `must be default, ci or soak, got '${profile}'`);
  const { durationSeconds, ...asked } = request;
  const given =
    durationSeconds === undefined
      ? asked
      : { ...asked, messages: messagesFor(durationSeconds, asked, PROFILES[profile]) };
  const guarantee = given.guarantee ?? 'at-least-once';
  const store = given.store ?? (guarantee === 'exactly-once' ? 'redis' : 'none');
  const memory = isMemoryUrl(given.url);
  const faults = given.faults ?? (memory ? [] : PROFILES[profile].faults);
  if (memory && faults.length > 0)
    throw new ConfigurationError(
      'faults',
      `memory:// runs every publisher and consumer inside this one process (the memory broker cannot be shared across processes): it has no process to SIGKILL and no network to cut, so it takes no faults (got ${faults.join(', ')}); run the faults against a broker`,
    );
  const options: WorkloadOptions = {
    ...PROFILES[profile],
    guarantee,
    seed: 1,
    storeUrl: store === 'postgres' ? '' : 'redis://127.0.0.1:6379',
    ...withoutUndefined(given),
    store,
    url: given.url,
    faults:
      given.brokerRestartCmd && !faults.includes('broker-restart') ? [...faults, 'broker-restart'] : faults,
  };
  validate(options);
  return options;
}

/** The messages that keep the publishers at work for `seconds` at the publish rate. */
function messagesFor(
  seconds: number,
  given: Partial<WorkloadOptions>,
  profile: Pick<WorkloadOptions, 'publishRate'>,
): number {
  if (given.messages !== undefined)
    throw new ConfigurationError('duration', 'give --messages or --duration, not both');
  if (!(Number.isFinite(seconds) && seconds > 0))
    throw new ConfigurationError('duration', `must be a time > 0, got ${String(seconds)}`);
  const rate = given.publishRate ?? profile.publishRate;
  if (!(rate > 0))
    throw new ConfigurationError(
      'duration',
      'needs a publish rate > 0 (--publish-rate, or the ci or soak profile): unpaced, a run lasts as long as its messages take',
    );
  return Math.max(1, Math.round(rate * seconds));
}

/** `memory://…`: the workload runs in the runner's process (see in-process-worker.ts). */
export const isMemoryUrl = (url: string): boolean => /^memory:/i.test(url);

function validate(o: WorkloadOptions): void {
  if (typeof o.url !== 'string' || o.url === '') throw new ConfigurationError('url', 'is required');
  if (!['at-most-once', 'at-least-once', 'exactly-once'].includes(o.guarantee))
    throw new ConfigurationError(
      'guarantee',
      `must be at-most-once, at-least-once or exactly-once, got '${o.guarantee}'`,
    );
  for (const name of ['messages', 'publishers', 'consumers', 'keys', 'concurrency'] as const)
    if (!Number.isInteger(o[name]) || o[name] < 1)
      throw new ConfigurationError(name, `must be an integer >= 1, got ${String(o[name])}`);
  for (const name of [
    'kills',
    'publisherKills',
    'seed',
    'idempotencyLockTtlMs',
    'settleTimeoutMs',
    'publishRate',
    'cutSeconds',
    'stallSeconds',
  ] as const)
    if (!Number.isInteger(o[name]) || o[name] < 0)
      throw new ConfigurationError(name, `must be an integer >= 0, got ${String(o[name])}`);
  for (const name of [
    'transientFailureRate',
    'permanentFailureRate',
    'poisonRate',
    'duplicatePublishRate',
  ] as const)
    if (!(o[name] >= 0 && o[name] < 1))
      throw new ConfigurationError(name, `must be in [0, 1), got ${String(o[name])}`);
  if (!['none', 'per-key'].includes(o.ordering))
    throw new ConfigurationError('ordering', `must be none or per-key, got '${o.ordering}'`);
  if (!['redis', 'postgres', 'memory', 'none'].includes(o.store))
    throw new ConfigurationError('store', `must be redis, postgres, memory or none, got '${o.store}'`);
  if (o.store === 'postgres' && !/^postgres(ql)?:\/\//i.test(o.storeUrl))
    throw new ConfigurationError(
      'storeUrl',
      `--store postgres needs --store-url postgres://user@host:port/db, got '${o.storeUrl}'`,
    );
  if (o.store === 'postgres' && o.guarantee !== 'exactly-once')
    throw new ConfigurationError(
      'store',
      'postgres is an exactly-once inbox: use it with --guarantee exactly-once',
    );
  if (o.faults.includes('broker-restart') && !o.brokerRestartCmd)
    throw new ConfigurationError('faults', 'broker-restart needs --broker-restart-cmd "<shell command>"');
  for (const fault of o.faults)
    if (!FAULTS.includes(fault))
      throw new ConfigurationError('faults', `unknown fault '${String(fault)}'; known: ${FAULTS.join(', ')}`);
  // Refuses, before any process starts, a URL the fault proxy cannot stand in front of.
  if (o.faults.includes('cut') || o.faults.includes('stall')) brokerAddress(o.url);
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
