import { expectOutageLoggedOnce } from '@polybus/conformance';
import { randomBytes } from 'node:crypto';
import { redisStreamsTransport } from '../src/transport';

describe('redis-streams when Redis goes away', () => {
  it('logs the outage once, not once per reconnect attempt, and goes on once it is back', async () => {
    await expectOutageLoggedOnce(
      { host: '127.0.0.1', port: 6379 },
      (port, logger) =>
        redisStreamsTransport({
          url: `redis://127.0.0.1:${port}`,
          connectTimeoutMs: 2_000,
          publishTimeoutMs: 2_000,
          logger,
        }),
      `outage-${randomBytes(3).toString('hex')}`,
    );
  }, 120_000);
});
