import { silentLogger } from '@polybus/core';
import { expectHealthFollowsConnection } from '@polybus/conformance';
import { redisStreamsTransport } from '../src/transport';

describe('redis-streams health', () => {
  it('is not ok while Redis is unreachable (ioredis reconnecting) and does not hang, ok again once it is back', async () => {
    await expectHealthFollowsConnection({ host: '127.0.0.1', port: 6379 }, (port) =>
      redisStreamsTransport({ url: `redis://127.0.0.1:${port}`, logger: silentLogger }),
    );
  }, 40_000);
});
