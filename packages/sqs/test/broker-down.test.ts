import { silentLogger } from '@polybus/core';
import { expectBrokerDownContract } from '@polybus/conformance';
import { sqsTransport } from '../src';

describe('sqs with no broker at the address', () => {
  it('start() rejects with a ConnectionError naming the address (no password), and a publish is answered', async () => {
    await expectBrokerDownContract(
      sqsTransport({
        endpoint: 'http://127.0.0.1:1',
        region: 'us-east-1',
        credentials: { accessKeyId: 'k', secretAccessKey: 's3cret' },
        logger: silentLogger,
      }),
      {
        broker: 'SQS',
        address: 'http://127.0.0.1:1',
        secret: 's3cret',
      },
    );
  }, 40_000);
});
