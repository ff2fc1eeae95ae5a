import type { SQSClient } from '@aws-sdk/client-sqs';
import { QueueRegistry } from './queues';

// What GetQueueAttributes answers is played: ElasticMQ does not report MaximumMessageSize (AWS does).
function registryAnswering(attributes: Record<string, string> | Error): QueueRegistry {
  const client = {
    send: async (command: { constructor: { name: string } }) => {
      if (command.constructor.name === 'GetQueueUrlCommand') return { QueueUrl: 'http://sqs/q' };
      if (attributes instanceof Error) throw attributes;
      return { Attributes: attributes };
    },
  } as unknown as SQSClient;
  return new QueueRegistry(client, { fifo: 'by-name', autoCreate: true, attributes: {} });
}

describe('QueueRegistry reads each queue’s own size limit', () => {
  it('keeps MaximumMessageSize when SQS reports it', async () => {
    expect((await registryAnswering({ MaximumMessageSize: '2048' }).resolve('t')).maxMessageBytes).toBe(
      2_048,
    );
  });

  it('leaves it out when SQS does not report it, or the read fails: the transport’s maxMessageBytes applies', async () => {
    expect((await registryAnswering({}).resolve('t')).maxMessageBytes).toBeUndefined();
    const failed = await registryAnswering(new Error('AccessDenied')).resolve('t');
    expect(failed).toMatchObject({ url: 'http://sqs/q' });
    expect(failed.maxMessageBytes).toBeUndefined();
  });
});
