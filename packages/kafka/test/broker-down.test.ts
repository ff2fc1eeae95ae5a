import { expectBrokerDownContract } from '@polybus/conformance';
import { recordingLogger } from '@polybus/core/testing';
import { kafkaTransport } from '../src';

describe('kafka with no broker at the address', () => {
  it('start() rejects with a ConnectionError naming the address, a publish is answered, and the retries log no warning', async () => {
    // kafkajs logs every failed attempt at ERROR (93 lines for one start); the ConnectionError says it once.
    const logger = recordingLogger();
    await expectBrokerDownContract(kafkaTransport({ brokers: ['127.0.0.1:1'], logger }), {
      broker: 'Kafka',
      address: '127.0.0.1:1',
    });
    expect(logger.warnings.map((w) => w.message)).toEqual([]);
  }, 60_000);
});
