// The consumer's client-side CPU per message with ElasticMQ taken out: the SQSClient's request
// handler answers from memory (as many messages as a ReceiveMessage asks for, every entry of a
// DeleteMessageBatch successful). ElasticMQ shares the 2 cores with the client in bench.ts and moves
// its figures by ±20 %; here only the SDK and the code above it run, so a few µs/msg show.
// This is an instrument, not a test of the adapter: bench.ts and the tests run against ElasticMQ.
//   npx tsx --conditions=polybus-source packages/sqs/bench/client-cost.ts [messages, default 100 000]
// Each side runs in a worker process of its own; CPU µs/msg over the messages after 30 000 of warm-up.
// Sides: the raw loop, the transport alone (its own DeliveryHandler, no core) and a Polybus bus.
// `client-cost.ts <raw|transport|polybus> <messages>` runs one side in this process (for
// client-cost-instructions.sh, which counts instructions with valgrind). `client-cost.ts serve
// <port>` serves the same answers over HTTP, for CLIENT_COST_SERVER (below).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { Readable } from 'node:stream';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createBus, silentLogger } from '@polybus/core';
import { type Delivery, type SubscribeOptions } from '@polybus/core/transport';
import { sqsTransport } from '@polybus/sqs';
import { isWorker, serve, startWorker } from '../../../scripts/bench/isolate';

const N = Number(/^\d+$/.test(process.argv[2] ?? '') ? process.argv[2] : 100_000);
const WARM = 30_000;
const QUEUE_URL = 'http://127.0.0.1:1/000000000000/client-cost';
const bodyText = JSON.stringify({ orderId: 'o-1', amount: 1, currency: 'EUR', note: 'x'.repeat(120) });
let sequence = 0;

interface ReceiveRequest {
  MaxNumberOfMessages?: number;
  MessageSystemAttributeNames?: string[];
}

/** The system attributes a receive asked for, as SQS answers: none unless asked. */
function systemAttributes(names: string[] = []): Record<string, string> | undefined {
  const all = names.includes('All');
  const out: Record<string, string> = {};
  if (all || names.includes('ApproximateReceiveCount')) out.ApproximateReceiveCount = '1';
  if (all || names.includes('SentTimestamp')) out.SentTimestamp = String(Date.now());
  return Object.keys(out).length === 0 ? undefined : out;
}

/**
 * A ReceiveMessage answer of Polybus-shaped messages (the body, the `polybus` attribute), as many as
 * asked for, with the system attributes asked for.
 */
function receiveReply(request: ReceiveRequest): string {
  const Messages = Array.from({ length: request.MaxNumberOfMessages ?? 1 }, () => ({
    MessageId: randomUUID(),
    ReceiptHandle: `${randomUUID()}${randomUUID()}-${sequence++}`,
    MD5OfBody: '-',
    Body: bodyText,
    Attributes: systemAttributes(request.MessageSystemAttributeNames),
    MD5OfMessageAttributes: '-',
    MessageAttributes: {
      polybus: {
        DataType: 'String',
        StringValue: JSON.stringify({
          id: randomUUID(),
          timestamp: Date.now(),
          headers: { 'content-type': 'application/json' },
        }),
      },
    },
  }));
  return JSON.stringify({ Messages });
}

function answer(target: string, body: string): string {
  if (target.endsWith('.ReceiveMessage')) return receiveReply(JSON.parse(body) as ReceiveRequest);
  if (target.endsWith('.DeleteMessageBatch')) {
    const { Entries } = JSON.parse(body) as { Entries: Array<{ Id: string }> };
    return JSON.stringify({ Successful: Entries.map(({ Id }) => ({ Id })), Failed: [] });
  }
  if (target.endsWith('.GetQueueUrl') || target.endsWith('.CreateQueue'))
    return JSON.stringify({ QueueUrl: QUEUE_URL });
  if (target.endsWith('.GetQueueAttributes')) return JSON.stringify({ Attributes: {} });
  throw new Error(`client-cost: no answer for ${target}`);
}

/** Answers on the next turn of the event loop, as a socket's data would arrive. */
const inMemory = {
  async handle(request: { headers: Record<string, string>; body: unknown }) {
    const body = request.body;
    const sent = typeof body === 'string' ? body : new TextDecoder().decode(body as Uint8Array);
    const text = answer(request.headers['x-amz-target'] ?? '', sent);
    await new Promise((resolve) => setImmediate(resolve));
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': '-' };
    return { response: { statusCode: 200, headers, body: Readable.from([Buffer.from(text)]) } };
  },
  updateHttpClientConfig() {},
  httpHandlerConfigs: () => ({}),
  destroy() {},
};

/**
 * With CLIENT_COST_SERVER (e.g. http://127.0.0.1:9330) the same answers come over HTTP from
 * `client-cost.ts serve <port>` in another process: the SDK's own request handler, sockets and
 * response parsing then run as against ElasticMQ, with answers that do not vary.
 */
const server = process.env.CLIENT_COST_SERVER;

const client = () =>
  new SQSClient({
    region: 'us-east-1',
    endpoint: server ?? 'http://127.0.0.1:1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    ...(server === undefined ? { requestHandler: inMemory } : {}),
    md5: false, // the answers carry no checksums; off for both sides
  });

/** `client-cost.ts serve <port>`: the answers over HTTP, for CLIENT_COST_SERVER. */
function serveAnswers(port: number): void {
  createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': '-' };
      try {
        const text = answer(String(request.headers['x-amz-target'] ?? ''), Buffer.concat(chunks).toString());
        response.writeHead(200, headers).end(text);
      } catch (error) {
        response
          .writeHead(400, headers)
          .end(JSON.stringify({ __type: 'ClientCost', message: String(error) }));
      }
    });
  }).listen(port, '127.0.0.1');
}

/** bench.ts's raw consumer: 8 pollers of 10, body and metadata attribute decoded, deletes not awaited. */
async function raw(sqs: SQSClient, messages: number): Promise<void> {
  let consumed = 0;
  const deletes: Promise<unknown>[] = [];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (consumed < messages) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: QUEUE_URL,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ['All'],
          }),
        );
        consumed += Messages.length;
        for (const m of Messages) {
          JSON.parse(m.Body ?? 'null');
          const meta = m.MessageAttributes?.polybus?.StringValue;
          if (meta !== undefined) JSON.parse(meta);
        }
        const Entries = Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle }));
        deletes.push(sqs.send(new DeleteMessageBatchCommand({ QueueUrl: QUEUE_URL, Entries })));
      }
    }),
  );
  await Promise.all(deletes);
}

/** bench.ts's Polybus consumer: concurrency 80 (8 pollers of 10), at-least-once. */
async function polybus(sqs: SQSClient, messages: number): Promise<void> {
  let consumed = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const bus = createBus({
    transport: sqsTransport({ client: sqs, autoCreateQueues: false, logger: silentLogger }),
    logger: silentLogger,
  });
  bus.bind('client-cost', () => void (++consumed === messages && finished()), {
    group: 'bench',
    concurrency: 80,
  });
  await bus.start();
  await done;
  await bus.stop();
}

/** The transport alone: subscribed with a DeliveryHandler that decodes the body and acks. */
async function transport(sqs: SQSClient, messages: number): Promise<void> {
  let consumed = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const sqsOnly = sqsTransport({ client: sqs, autoCreateQueues: false, logger: silentLogger });
  await sqsOnly.connect();
  const handler = (delivery: Delivery): Promise<void> => {
    JSON.parse(String(delivery.message.payload));
    if (++consumed === messages) finished();
    return delivery.ack();
  };
  const options: SubscribeOptions = {
    topic: 'client-cost',
    group: 'bench',
    guarantee: 'at-least-once',
    concurrency: 80,
    ordering: 'none',
    deadLetterTopic: false,
    maxAttempts: 5,
    idempotent: false,
  };
  const subscription = await sqsOnly.subscribe(options, handler);
  await done;
  await subscription.close();
  await sqsOnly.close();
}

const sides = { raw, transport, polybus };
type Side = keyof typeof sides;

/** CPU µs per message over `messages` after the warm-up (none measured when `messages` is 0). */
async function measured(side: Side, messages = N): Promise<number> {
  const sqs = client();
  await sides[side](sqs, WARM);
  const cpu = process.cpuUsage();
  if (messages > 0) await sides[side](sqs, messages);
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / Math.max(1, messages);
}

async function main(): Promise<void> {
  console.log(`SQS consumer, client-side CPU µs/msg, in-memory answers, ${N} messages after ${WARM} warm-up`);
  for (let round = 1; round <= 3; round++) {
    const line: string[] = [];
    for (const side of Object.keys(sides) as Side[]) {
      const worker = startWorker(__filename, { NODE_NO_WARNINGS: '1' });
      line.push(`${side} ${(await worker.run<number>(side)).toFixed(1)}`);
      worker.close();
    }
    console.log(`round ${round}: ${line.join(', ')}`);
  }
}

const side = process.argv[2];
if (side === 'serve') serveAnswers(Number(process.argv[3]));
else if (isWorker())
  serve(Object.fromEntries(Object.keys(sides).map((name) => [name, () => measured(name as Side)])));
else if (side !== undefined && side in sides)
  void measured(side as Side, Number(process.argv[3])).then((cpu) =>
    console.log(`${side} ${cpu.toFixed(1)} µs/msg`),
  );
else void main();
