import { createBus, silentLogger } from '@polybus/core';
import { useGlobalOtel } from './otel-harness';
import { tracingCases } from './tracing-cases';

const URL = process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';
useGlobalOtel();

describe('tracing on Redis Streams', () => {
  tracingCases({
    newBus: () => createBus({ url: URL, logger: silentLogger }),
    system: 'redis-streams',
    timeoutMs: 30_000,
  });
});
