import { silentLogger } from '@polybus/core';
import { runDeadLetterAccessSuite } from '@polybus/conformance';
import { redisStreamsTransport } from '../src/transport';
import { REDIS_URL } from './helpers';

runDeadLetterAccessSuite({
  name: 'redis-streams',
  createTransport: () => redisStreamsTransport({ url: REDIS_URL, blockMs: 500, logger: silentLogger }),
});
