import { silentLogger } from '@polybus/core';
import { expectBrokerDownContract } from '@polybus/conformance';
import { rabbitmqTransport } from '../src';

describe('rabbitmq with no broker at the address', () => {
  it('start() rejects with a ConnectionError naming the address (no password), and a publish is answered', async () => {
    await expectBrokerDownContract(
      rabbitmqTransport({ url: 'amqp://guest:s3cret@127.0.0.1:1', logger: silentLogger }),
      {
        broker: 'RabbitMQ',
        address: 'amqp://127.0.0.1:1',
        secret: 's3cret',
      },
    );
  }, 40_000);
});
