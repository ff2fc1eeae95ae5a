import { ConfigurationError, type Guarantee } from '@polybus/core';
import { brokerAddress } from '../network/broker-address';

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
 * `default`: a thorough run, faults as asked. `ci`: small and quick, a consumer kill, a cut and a
 * stall, for a pipeline. `soak`: long (50,000 messages, more processes), every fault but
 * `broker-restart`, with several kills of each kind, paced so that each fault lands while
 * messages flow; minutes, not seconds.
 */
export type Profile = 'default' | 'ci' | 'soak';

const PROFILES: Record<
  Profile,
  Omit<WorkloadOptions, 'url' | 'guarantee' | 'seed' | 'store' | 'storeUrl'>
> = {
  default: {
    messages: 2_000,
    publishers: 2,
    consumers: 3,
    keys: 32,
    ordering: 'none',
    transientFailureRate: 0.05,
    permanentFailureRate: 0.01,
    poisonRate: 0.005,
    duplicatePublishRate: 0.02,
    publishRate: 0,
    faults: [],
    kills: 3,
    publisherKills: 1,
    cutSeconds: 10,
    stallSeconds: 10,
    concurrency: 8,
    idempotencyLockTtlMs: 5_000,
    settleTimeoutMs: 90_000,
  },
  ci: {
    messages: 300,
    publishers: 2,
    consumers: 2,
    keys: 16,
    ordering: 'none',
    transientFailureRate: 0.05,
    permanentFailureRate: 0.02,
    poisonRate: 0.01,
    duplicatePublishRate: 0.03,
    // Slow enough that every fault of the schedule lands while the publishers are still at work.
    publishRate: 15,
    faults: ['kill-consumer', 'cut', 'stall'],
    kills: 1,
    publisherKills: 1,
    cutSeconds: 8,
    stallSeconds: 8,
    concurrency: 8,
    idempotencyLockTtlMs: 5_000,
    settleTimeoutMs: 40_000,
  },
  soak: {
    messages: 50_000,
    publishers: 4,
    consumers: 4,
    keys: 64,
    ordering: 'none',
    transientFailureRate: 0.05,
    permanentFailureRate: 0.01,
    poisonRate: 0.005,
    duplicatePublishRate: 0.02,
    // About 250 s of publishing: the ten faults come some 15 s apart, each while the publishers are at work.
    publishRate: 200,
    faults: ['kill-consumer', 'kill-publisher', 'cut', 'stall'],
    kills: 5,
    publisherKills: 3,
    // The cut outlasts a reconnect backoff; the stall outlasts the adapters' 10 s publishTimeoutMs.
    cutSeconds: 20,
    stallSeconds: 15,
    concurrency: 8,
    idempotencyLockTtlMs: 5_000,
    // A Kafka consumer kill waits out the session timeout, an SQS one the visibility timeout.
    settleTimeoutMs: 120_000,
  },
};

// Own keys only: `profile in PROFILES` would take 'toString'.
const PROFILE_NAMES = Object.keys(PROFILES) as Profile[];

/** The profile's values under `given`; checked, so a worker never starts with a bad option. */
export function resolveOptions(
  given: Partial<WorkloadOptions> & Pick<WorkloadOptions, 'url'>,
  profile: Profile = 'default',
): WorkloadOptions {
  if (!PROFILE_NAMES.includes(profile))
    throw new ConfigurationError('profile', `must be default, ci or soak, got '${profile}'`);
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
