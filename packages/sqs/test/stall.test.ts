import { silentLogger } from '@polybus/core';
import { expectStalledBrokerAnswered, STALL_TIMEOUTS } from '@polybus/conformance';
import { randomBytes } from 'node:crypto';
import { sqsTransport } from '../src';

describe('sqs with an endpoint that stops answering', () => {
  it('start() and publish reject within their timeouts instead of waiting; publishes go through again after', async () => {
    await expectStalledBrokerAnswered(
      { host: '127.0.0.1', port: 9324 },
      (port) =>
        sqsTransport({
          endpoint: `http://127.0.0.1:${port}`,
          region: 'us-east-1',
          credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
          ...STALL_TIMEOUTS,
          logger: silentLogger,
        }),
      `stall-${randomBytes(3).toString('hex')}`,
    );
  }, 90_000);
});
