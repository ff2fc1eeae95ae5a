import { silentLogger } from '@polybus/core';
import { expectHealthFollowsConnection, tcpProxy } from '@polybus/conformance';
import { recordingLogger, waitFor } from '@polybus/core/testing';
import { redisStreamsTransport } from '../src/transport';

describe('redis-streams health', () => {
  it('is not ok while Redis is unreachable (ioredis reconnecting) and does not hang, ok again once it is back', async () => {
    await expectHealthFollowsConnection({ host: '127.0.0.1', port: 6379 }, (port) =>
      redisStreamsTransport({ url: `redis://127.0.0.1:${port}`, logger: silentLogger }),
    );
  }, 40_000);
});

describe('redis-streams outage logging', () => {
  it('warns once per outage, not once per reconnect attempt', async () => {
    const proxy = await tcpProxy('127.0.0.1', 6379);
    const logger = recordingLogger();
    const transport = redisStreamsTransport({ url: `redis://127.0.0.1:${proxy.port}`, logger });
    try {
      await transport.connect();
      await proxy.cut();
      // ioredis retries every 50 ms, then more slowly: several failed attempts in this time.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await proxy.restore();
      await waitFor(async () => (await transport.health!()).ok, { timeoutMs: 20_000 });
      expect(logger.warnings.map((w) => w.message)).toEqual(['redis-streams: connection lost, reconnecting']);
    } finally {
      await transport.close().catch(() => undefined);
      await proxy.close();
    }
  }, 40_000);
});
