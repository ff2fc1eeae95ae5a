import { expectOutageLoggedOnce } from '@polybus/conformance';
import { rabbitmqTransport } from '../src';
import { unique } from './helpers';

describe('rabbitmq when the broker goes away', () => {
  it('logs the outage once, not once per reconnect attempt, and goes on once it is back', async () => {
    await expectOutageLoggedOnce(
      { host: '127.0.0.1', port: 5672 },
      (port, logger) =>
        rabbitmqTransport({
          url: `amqp://guest:guest@127.0.0.1:${port}`,
          connectTimeoutMs: 2_000,
          publishTimeoutMs: 2_000,
          logger,
        }),
      unique('outage'),
    );
  }, 120_000);
});
