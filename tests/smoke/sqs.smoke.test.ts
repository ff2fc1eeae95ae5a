// Raw @aws-sdk/client-sqs round trip against ElasticMQ (AWS JSON protocol):
// create a queue, send, receive, delete the message, delete the queue.
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { SQS_CREDENTIALS, SQS_ENDPOINT, SQS_REGION, uniqueName } from './env';

describe('SQS smoke (raw @aws-sdk/client-sqs on ElasticMQ)', () => {
  const client = new SQSClient({ endpoint: SQS_ENDPOINT, region: SQS_REGION, credentials: SQS_CREDENTIALS });
  const queueName = uniqueName('polybus-smoke');
  let queueUrl: string | undefined;

  afterAll(async () => {
    if (queueUrl) await client.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
    client.destroy();
  });

  it('sends, receives and deletes a message', async () => {
    const created = await client.send(new CreateQueueCommand({ QueueName: queueName }));
    queueUrl = created.QueueUrl;
    expect(queueUrl).toContain(queueName);

    const body = JSON.stringify({ hello: queueName });
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'smoke' } },
      }),
    );
    expect(sent.MessageId).toBeTruthy();

    // Long polling: waits on the server side until the message is there.
    let message: Message | undefined;
    while (!message) {
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 1,
          WaitTimeSeconds: 5,
          MessageAttributeNames: ['All'],
        }),
      );
      message = out.Messages?.[0];
    }
    expect(message.MessageId).toBe(sent.MessageId);
    expect(message.Body).toBe(body);
    expect(message.MessageAttributes?.kind?.StringValue).toBe('smoke');

    await client.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle! }),
    );
    const attrs = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    expect(attrs.Attributes?.ApproximateNumberOfMessages).toBe('0');
    expect(attrs.Attributes?.ApproximateNumberOfMessagesNotVisible).toBe('0');
  });
});
