import { silentLogger } from '@polybus/core';
import { runConformanceSuite } from '@polybus/conformance';
import { redisStreamsTransport } from '../src/transport';
import { REDIS_URL } from './helpers';

// A short claim idle time stands in for a crashed consumer's wait; heartbeats keep slow handlers'
// entries from being claimed meanwhile.
runConformanceSuite({
  name: 'redis-streams',
  createTransport: () =>
    redisStreamsTransport({
      url: REDIS_URL,
      claimIdleMs: 1_000,
      claimIntervalMs: 200,
      blockMs: 500,
      logger: silentLogger,
    }),
  redeliveryMs: 10_000,
});
