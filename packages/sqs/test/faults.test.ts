import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import {
  createBus,
  PermanentError,
  PublishError,
  silentLogger,
  type Bus,
  type Message,
  type Transport,
} from '@polybus/core';
import { type Delivery, type SubscribeOptions } from '@polybus/core/transport';
import { createSpy, waitFor } from '@polybus/core/testing';
import {
  message,
  queueUrl,
  rawClient,
  rawReceive,
  testTransport,
  uniqueTopic,
  subscribeOptions,
  transportsClosedAfterEach,
} from './helpers';

const sub = (topic: string): SubscribeOptions =>
  subscribeOptions(topic, { concurrency: 4, deadLetterTopic: false, maxAttempts: 5 });

const ROOT = join(__dirname, '../../..');

describe('sqs under faults (ElasticMQ)', () => {
  const buses: Bus[] = [];
  const children: ChildProcess[] = [];
  const raw = rawClient();
  const open = transportsClosedAfterEach();
  /** The first letter on `topic`'s dead-letter queue, read raw, with the headers of its envelope. */
  const deadLetterOf = async (topic: string) => {
    const [dead] = await waitFor(
      async () => {
        const found = await rawReceive(raw, `${topic}.dlq`).catch(() => []);
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 30_000 },
    );
    const { headers } = JSON.parse(dead!.MessageAttributes?.polybus?.StringValue ?? '{}') as {
      headers: Record<string, string>;
    };
    return { dead: dead!, headers };
  };
  const bus = (options?: Parameters<typeof testTransport>[0]): Bus => {
    const b = createBus({ transport: testTransport(options), logger: silentLogger });
    buses.push(b);
    return b;
  };
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await Promise.all(buses.splice(0).map((b) => b.stop({ timeoutMs: 2_000 })));
  });
  afterAll(() => raw.destroy());

  it('a handler slower than the visibility timeout is not redelivered while its heartbeat runs', async () => {
    const topic = uniqueTopic('heartbeat');
    const slow = await open({ visibilityTimeoutSeconds: 2, heartbeatIntervalMs: 500 });
    const rival = await open({ visibilityTimeoutSeconds: 2 });
    await slow.publish([message(topic, 1)], { guarantee: 'at-least-once' });
    const deliveries: Array<{ by: string; attempt: number }> = [];
    let finished = false;
    await slow.subscribe(sub(topic), async (d) => {
      deliveries.push({ by: 'slow', attempt: d.attempt });
      await new Promise((r) => setTimeout(r, 6_000)); // three visibility timeouts
      await d.ack();
      finished = true;
    });
    await waitFor(() => deliveries.length === 1, { timeoutMs: 15_000 });
    await rival.subscribe(sub(topic), async (d) => {
      deliveries.push({ by: 'rival', attempt: d.attempt });
      await d.ack();
    });
    await waitFor(() => finished, { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 2_500)); // a redelivery would show up within one more timeout
    expect(deliveries).toEqual([{ by: 'slow', attempt: 1 }]);
  });

  it('a consumer process killed with SIGKILL: the message comes back after the visibility timeout', async () => {
    const topic = uniqueTopic('sigkill');
    const t = await open();
    const sent = message(topic, 1);
    await t.publish([sent], { guarantee: 'at-least-once' });
    const child = spawn(
      process.execPath,
      [
        '--conditions=polybus-source',
        '--import',
        require.resolve('tsx', { paths: [ROOT] }),
        join(__dirname, 'crash-worker.ts'),
        topic,
        '2',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
    );
    children.push(child);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes(`taken ${sent.id}`), { timeoutMs: 30_000 }).catch((error: Error) => {
      throw new Error(`${error.message}; the worker printed: ${output || '(nothing)'}`);
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const got: Delivery[] = [];
    await t.subscribe(sub(topic), async (d) => {
      got.push(d);
      await d.ack();
    });
    await waitFor(() => got.length === 1, { timeoutMs: 20_000, description: 'the redelivery' });
    // SQS counted the dead process's receive: attempt 2.
    expect({ id: got[0].message.id, attempt: got[0].attempt }).toEqual({ id: sent.id, attempt: 2 });
    // Longer than the two waits' limits together (30 s + 20 s), which are what this test asserts:
    // a worker that starts slowly on a loaded machine must fail on its own wait, with its output.
  }, 80_000);

  it('dead-letters after the configured attempts with the envelope and the SQS message id', async () => {
    const topic = uniqueTopic('attempts');
    const dead = createSpy();
    let calls = 0;
    const b = bus();
    b.bind(
      topic,
      () => {
        calls++;
        throw new Error('always fails');
      },
      { group: 'g', retry: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 50, immediateAttempts: 1 } },
    );
    b.bind(`${topic}.dlq`, dead.handler, { group: 'g' });
    await b.start();
    const { id } = await b.publish(topic, { n: 1 });
    const m = await dead.waitFor({ id }, { timeoutMs: 30_000 });
    expect(calls).toBe(3);
    expect(m.headers).toMatchObject({
      'polybus-dlq-source': topic,
      'polybus-dlq-attempts': '3',
      'polybus-dlq-group': 'g',
    });
    expect(m.headers['polybus-dlq-reason']).toMatch(/max-attempts|handler-error/);
    expect(m.headers['polybus-dlq-sqs-message-id']).toMatch(/.+/);
  });

  it('a raw client body that is not JSON goes to the dead letter with decode-error, and the consumer goes on', async () => {
    const topic = uniqueTopic('decode');
    const ok = createSpy<{ n: number }>();
    const b = bus();
    b.bind(topic, ok.handler, { group: 'g' });
    await b.start();
    const sent = await raw.send(
      new SendMessageCommand({ QueueUrl: await queueUrl(raw, topic), MessageBody: '{not json' }),
    );
    await raw.send(new SendMessageCommand({ QueueUrl: await queueUrl(raw, topic), MessageBody: '{"n":2}' }));
    // Read the dead letter raw: its body is still not JSON, so a Polybus binding could not decode it either.
    const { dead } = await deadLetterOf(topic);
    expect(dead.Body).toBe('{not json');
    const envelope = JSON.parse(dead.MessageAttributes?.polybus?.StringValue ?? '{}') as {
      id: string;
      headers: Record<string, string>;
    };
    expect(envelope.id).toBe(sent.MessageId);
    const headers = envelope.headers;
    expect(headers['polybus-dlq-reason']).toBe('decode-error');
    expect(headers['polybus-dlq-sqs-message-id']).toBe(sent.MessageId);
    await ok.waitFor((msg: Message<{ n: number }>) => msg.body.n === 2, { timeoutMs: 30_000 });
  });

  it('a body too large for its dead letter is dead-lettered cut to fit, with its size, and the consumer goes on', async () => {
    // 262,000 B is under SQS's 262,144, but the copy with its envelope is not: it used to be
    // received, failed and handed back forever.
    const topic = uniqueTopic('too-large');
    const ok = createSpy<{ n: number }>();
    const b = bus();
    b.bind(topic, ok.handler, { group: 'g' });
    await b.start();
    const big = `{not json ${'y'.repeat(262_000 - 10)}`;
    await raw.send(new SendMessageCommand({ QueueUrl: await queueUrl(raw, topic), MessageBody: big }));
    await raw.send(new SendMessageCommand({ QueueUrl: await queueUrl(raw, topic), MessageBody: '{"n":2}' }));
    await ok.waitFor((msg: Message<{ n: number }>) => msg.body.n === 2, { timeoutMs: 30_000 });
    const { dead, headers } = await deadLetterOf(topic);
    expect(headers['polybus-dlq-reason']).toBe('decode-error');
    expect(headers['polybus-dlq-truncated']).toBe('262000');
    expect(dead.Body!.length).toBeGreaterThan(250_000);
    expect(big.startsWith(dead.Body!)).toBe(true);
  }, 60_000);

  it('Number and Binary attributes of a raw client reach the handler and survive in the dead letter', async () => {
    const topic = uniqueTopic('attrs');
    const seen: Message[] = [];
    const b = bus();
    b.bind(
      topic,
      async (m) => {
        seen.push(m);
        throw new PermanentError('rejected on purpose');
      },
      { group: 'g' },
    );
    await b.start();
    await raw.send(
      new SendMessageCommand({
        QueueUrl: await queueUrl(raw, topic),
        MessageBody: '{"n":1}',
        MessageAttributes: {
          amount: { DataType: 'Number', StringValue: '12.50' },
          blob: { DataType: 'Binary', BinaryValue: Uint8Array.from([0, 255, 1]) },
        },
      }),
    );
    const m = await waitFor(() => seen[0], { timeoutMs: 30_000 });
    expect(m.headers).toMatchObject({ amount: '12.50', blob: 'base64:AP8B' });
    const { headers } = await deadLetterOf(topic);
    expect(headers).toMatchObject({
      amount: '12.50',
      blob: 'base64:AP8B',
      'polybus-dlq-reason': 'permanent-error',
    });
  }, 60_000);

  it('an oversize message is refused by bus.publish with a PublishError', async () => {
    const topic = uniqueTopic('oversize');
    const b = bus();
    const error = await b.publish(topic, { blob: 'x'.repeat(270_000) }).catch((e: unknown) => e);
    expect(PublishError.is(error)).toBe(true);
    expect(String((error as Error).message)).toMatch(/\d+ bytes/);
  });
});
