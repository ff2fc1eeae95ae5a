import { silentLogger } from '@polybus/core';
import { expectStalledBrokerAnswered, STALL_TIMEOUTS } from '@polybus/conformance';
import { randomBytes } from 'node:crypto';
import { rabbitmqTransport } from '../src';

describe('rabbitmq with a broker that stops answering', () => {
  it('start() and publish reject within their timeouts instead of waiting; publishes go through again after', async () => {
    await expectStalledBrokerAnswered(
      { host: '127.0.0.1', port: 5672 },
      (port) =>
        rabbitmqTransport({
          url: `amqp://guest:guest@127.0.0.1:${port}`,
          ...STALL_TIMEOUTS,
          reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
          logger: silentLogger,
        }),
      `stall-${randomBytes(3).toString('hex')}`,
    );
  }, 90_000);
});
