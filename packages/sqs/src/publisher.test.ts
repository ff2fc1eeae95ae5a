import type { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { PublishError, silentLogger, type TransportMessage } from '@polybus/core';
import { Publisher } from './publisher';
import type { Queue, QueueRegistry } from './queues';

// SQS's per-entry replies (Successful / Failed with SenderFault) are what this maps; ElasticMQ
// does not fail single entries on demand, so a scripted client plays the replies here. The
// broker path itself is covered by test/transport.test.ts against ElasticMQ.
type Reply = { Successful?: Array<{ Id: string }>; Failed?: Array<Record<string, unknown>> };

function publisherWith(
  replies: Array<(ids: string[]) => Reply>,
  queue: Queue = { url: 'http://sqs/q', name: 'q', fifo: false },
): { publisher: Publisher; sent: string[][] } {
  const sent: string[][] = [];
  const client = {
    send: async (command: SendMessageBatchCommand) => {
      const ids = command.input.Entries!.map((e) => e.Id!);
      sent.push(ids.map((id, n) => `${id}:${command.input.Entries![n].MessageBody}`));
      return replies.shift()!(ids);
    },
  } as unknown as SQSClient;
  const queues = { peek: () => queue, resolve: async () => queue } as unknown as QueueRegistry;
  const publisher = new Publisher(client, queues, {
    lingerMs: 1,
    maxMessageBytes: 262_144,
    defaultMessageGroupId: 'g',
    publishTimeoutMs: 10_000,
    logger: silentLogger,
  });
  return { publisher, sent };
}

const message = (n: number): TransportMessage => ({
  id: `m${n}`,
  topic: 't',
  headers: {},
  payload: `"body-${n}"`,
  timestamp: 1,
});

describe('Publisher per-entry outcomes', () => {
  it('resends only the entries SQS failed on its side, under their first Id', async () => {
    const { publisher, sent } = publisherWith([
      () => ({
        Successful: [{ Id: '0' }, { Id: '2' }],
        Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
      }),
      () => ({ Successful: [{ Id: '1' }] }),
    ]);
    await publisher.publish([message(0), message(1), message(2)], 'at-least-once');
    expect(sent).toEqual([['0:"body-0"', '1:"body-1"', '2:"body-2"'], ['1:"body-1"']]);
  });

  it('fails the entries SQS refused as the sender’s fault, and the ones it did not answer', async () => {
    const { publisher } = publisherWith([
      () => ({
        Successful: [{ Id: '0' }],
        Failed: [{ Id: '1', Code: 'InvalidParameterValue', Message: 'bad', SenderFault: true }],
      }),
    ]);
    const outcomes = await Promise.allSettled([
      publisher.publish([message(0)], 'at-least-once'),
      publisher.publish([message(1)], 'at-least-once'),
      publisher.publish([message(2)], 'at-least-once'),
    ]);
    expect(outcomes[0].status).toBe('fulfilled');
    const reasons = outcomes.slice(1).map((o) => (o as PromiseRejectedResult).reason as Error);
    expect(reasons.every((r) => r instanceof PublishError)).toBe(true);
    expect(reasons[0].message).toContain('InvalidParameterValue: bad');
    expect(reasons[1].message).toContain('no result for the entry');
  });

  it('gives up on an entry SQS keeps failing after three attempts', async () => {
    const failing = (ids: string[]): Reply => ({
      Failed: ids.map((Id) => ({ Id, Code: 'ServiceUnavailable', SenderFault: false })),
    });
    const { publisher, sent } = publisherWith([failing, failing, failing]);
    await expect(publisher.publish([message(0)], 'at-least-once')).rejects.toThrow('ServiceUnavailable');
    expect(sent).toHaveLength(3);
  });
});

describe('Publisher with a queue configured below maxMessageBytes', () => {
  // AWS reports a queue's MaximumMessageSize; ElasticMQ neither reports nor enforces it, so the
  // queue's reported limit is played here.
  const small: Queue = { url: 'http://sqs/small', name: 'small', fifo: false, maxMessageBytes: 2_048 };
  const accepting = (ids: string[]): Reply => ({ Successful: ids.map((Id) => ({ Id })) });
  const sized = (n: number, bytes: number): TransportMessage => ({
    ...message(n),
    payload: `"${'x'.repeat(bytes)}"`,
  });

  it('refuses the whole call before any send when one message is over the queue’s own limit', async () => {
    const { publisher, sent } = publisherWith([accepting], small);
    const refused = await publisher
      .publish([sized(0, 100), sized(1, 3_000)], 'at-least-once')
      .catch((e: unknown) => e);
    expect(PublishError.is(refused)).toBe(true);
    expect((refused as Error).message).toMatch(/over the 2048-byte queue 'small' limit/);
    await publisher.publish([sized(2, 100)], 'at-least-once');
    expect(sent.map((batch) => batch.length)).toEqual([1]); // only the later call went out
  });

  it('sizes dead-letter copies to the queue: maxMessageBytesFor is the lower of the two limits', async () => {
    const { publisher } = publisherWith([], small);
    expect(await publisher.maxMessageBytesFor('t')).toBe(2_048);
  });
});
