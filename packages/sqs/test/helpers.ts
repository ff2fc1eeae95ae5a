import { randomUUID } from 'node:crypto';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message as SqsMessage,
} from '@aws-sdk/client-sqs';
import { silentLogger, type Transport, type TransportMessage } from '@polybus/core';
import { type Delivery, type SubscribeOptions } from '@polybus/core/transport';
import { sqsTransport, queueNameFor, type SqsTransportOptions } from '@polybus/sqs';

export const ENDPOINT = process.env.POLYBUS_SQS_ENDPOINT ?? 'http://127.0.0.1:9324';
export const REGION = 'us-east-1';
export const CREDENTIALS = { accessKeyId: 'x', secretAccessKey: 'x' };

/** Short polls and timeouts so tests do not wait on SQS defaults meant for production. */
export function testTransport(options: Partial<SqsTransportOptions> = {}): Transport {
  return sqsTransport({
    region: REGION,
    endpoint: ENDPOINT,
    credentials: CREDENTIALS,
    waitTimeSeconds: 1,
    visibilityTimeoutSeconds: 5,
    logger: silentLogger,
    ...options,
  });
}

export function rawClient(): SQSClient {
  return new SQSClient({ region: REGION, endpoint: ENDPOINT, credentials: CREDENTIALS });
}

export function uniqueTopic(prefix: string, suffix = ''): string {
  return `test.${prefix}.${randomUUID().slice(0, 8)}${suffix}`;
}

export function message(topic: string, n: number, extra: Partial<TransportMessage> = {}): TransportMessage {
  return {
    id: `${topic}-${n}-${randomUUID()}`,
    topic,
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ n }), // text, as the JSON codec makes it: SQS delivers it as text
    timestamp: Date.now(),
    ...extra,
  };
}

export const bodyOf = (d: Delivery): { n: number } =>
  JSON.parse(d.message.payload.toString()) as { n: number };

export async function queueUrl(client: SQSClient, topic: string): Promise<string> {
  const found = await client.send(new GetQueueUrlCommand({ QueueName: queueNameFor(topic).name }));
  return found.QueueUrl as string;
}

/** Visible + in-flight + delayed messages of the queue. */
export async function queueDepth(client: SQSClient, topic: string): Promise<number> {
  const { Attributes = {} } = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: await queueUrl(client, topic),
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible) +
    Number(Attributes.ApproximateNumberOfMessagesDelayed)
  );
}

/** Reads (without deleting) what a raw client sees on a queue. */
export async function rawReceive(client: SQSClient, topic: string): Promise<SqsMessage[]> {
  const result = await client.send(
    new ReceiveMessageCommand({
      QueueUrl: await queueUrl(client, topic),
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 1,
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
    }),
  );
  return result.Messages ?? [];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Subscribe options for transport-level tests; each file states only what it changes. */
export function subscribeOptions(topic: string, extra: Partial<SubscribeOptions> = {}): SubscribeOptions {
  return {
    topic,
    group: 'g',
    guarantee: 'at-least-once',
    concurrency: 10,
    ordering: 'none',
    deadLetterTopic: `${topic}.dlq`,
    maxAttempts: 3,
    idempotent: false,
    ...extra,
  };
}

/** `open()` connects a test transport; every transport it opened is closed after each test. */
export function transportsClosedAfterEach(): (options?: Partial<SqsTransportOptions>) => Promise<Transport> {
  const transports: Transport[] = [];
  afterEach(async () => {
    await Promise.all(transports.splice(0).map((t) => t.close()));
  });
  return async (options) => {
    const t = testTransport(options);
    transports.push(t);
    await t.connect();
    return t;
  };
}
