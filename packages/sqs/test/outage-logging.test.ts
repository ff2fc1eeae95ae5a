import { expectOutageLoggedOnce } from '@polybus/conformance';
import { randomBytes } from 'node:crypto';
import { sqsTransport } from '../src';
import { CREDENTIALS, REGION } from './helpers';

describe('sqs when the endpoint goes away', () => {
  it('logs the outage once, not once per failed receive, and goes on once it is back', async () => {
    await expectOutageLoggedOnce(
      { host: '127.0.0.1', port: 9324 },
      (port, logger) =>
        sqsTransport({
          endpoint: `http://127.0.0.1:${port}`,
          region: REGION,
          credentials: CREDENTIALS,
          waitTimeSeconds: 1,
          connectTimeoutMs: 2_000,
          publishTimeoutMs: 2_000,
          logger,
        }),
      `outage-${randomBytes(3).toString('hex')}`,
    );
  }, 120_000);
});
