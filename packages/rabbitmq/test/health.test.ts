import { silentLogger } from '@polybus/core';
import { expectHealthFollowsConnection } from '@polybus/conformance';
import { rabbitmqTransport } from '../src';

describe('rabbitmq health', () => {
  it('is not ok while the broker is unreachable (amqplib reconnecting), and ok again once it is back', async () => {
    await expectHealthFollowsConnection({ host: '127.0.0.1', port: 5672 }, (port) =>
      rabbitmqTransport({
        url: `amqp://guest:guest@127.0.0.1:${port}`,
        reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
        logger: silentLogger,
      }),
    );
  }, 40_000);
});
