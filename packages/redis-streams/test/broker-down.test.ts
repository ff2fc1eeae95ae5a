import { silentLogger } from '@polybus/core';
import { expectBrokerDownContract } from '@polybus/conformance';
import { redisStreamsTransport } from '../src/transport';

describe('redis-streams with no broker at the address', () => {
  it('start() rejects with a ConnectionError naming the address (no password), and a publish is answered', async () => {
    await expectBrokerDownContract(
      redisStreamsTransport({ url: 'redis://:s3cret@127.0.0.1:1', logger: silentLogger }),
      {
        broker: 'Redis',
        address: 'redis://127.0.0.1:1',
        secret: 's3cret',
      },
    );
  }, 40_000);
});
