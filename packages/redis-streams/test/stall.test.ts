import { silentLogger } from '@polybus/core';
import { expectStalledBrokerAnswered, STALL_TIMEOUTS } from '@polybus/conformance';
import { randomBytes } from 'node:crypto';
import { redisStreamsTransport } from '../src/transport';

describe('redis-streams with a Redis that stops answering', () => {
  it('start() and publish reject within their timeouts instead of waiting; publishes go through again after', async () => {
    await expectStalledBrokerAnswered(
      { host: '127.0.0.1', port: 6379 },
      (port) =>
        redisStreamsTransport({ url: `redis://127.0.0.1:${port}`, ...STALL_TIMEOUTS, logger: silentLogger }),
      `stall-${randomBytes(3).toString('hex')}`,
    );
  }, 90_000);
});
