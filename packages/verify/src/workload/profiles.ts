import type { WorkloadOptions } from './options';

/**
 * `default`: a thorough run, faults as asked. `ci`: small and quick, a consumer kill, a cut and a
 * stall, for a pipeline. `soak`: long (50,000 messages, more processes), every fault but
 * `broker-restart`, with several kills of each kind, paced so that each fault lands while
 * messages flow; minutes, not seconds.
 */
export type Profile = 'default' | 'ci' | 'soak';

export const PROFILES: Record<
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
export const PROFILE_NAMES = Object.keys(PROFILES) as Profile[];
