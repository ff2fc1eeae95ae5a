// Polybus SQS transport next to the raw @aws-sdk/client-sqs doing the same batching, in one run.
//   npx tsx --conditions=polybus-source packages/sqs/bench/bench.ts
// Env: POLYBUS_SQS_ENDPOINT (default http://127.0.0.1:9324), BENCH_MESSAGES (default 2000).
import { randomUUID } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createBus, silentLogger, waitFor } from '@polybus/core';
import { queueNameFor, sqsTransport } from '@polybus/sqs';

const endpoint = process.env.POLYBUS_SQS_ENDPOINT ?? 'http://127.0.0.1:9324';
const config = { region: 'us-east-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
const N = Number(process.env.BENCH_MESSAGES ?? 2000);
const IN_FLIGHT_BATCHES = 8; // raw: 8 SendMessageBatch / 8 pollers; Polybus: 80 publishes in flight / concurrency 80
const body = (n: number) => ({ orderId: `o-${n}`, amount: n, currency: 'EUR', note: 'x'.repeat(120) });

const raw = new SQSClient(config);
const made: string[] = [];

async function freshQueue(label: string): Promise<{ topic: string; url: string }> {
  const topic = `bench.${label}.${randomUUID().slice(0, 8)}`;
  const { QueueUrl } = await raw.send(new CreateQueueCommand({ QueueName: queueNameFor(topic).name }));
  made.push(QueueUrl as string);
  return { topic, url: QueueUrl as string };
}

async function pool(total: number, width: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < total) await task(next++);
  }));
}

/** What an application needs to carry besides the body (id, time, headers), in one attribute as Polybus does. */
const metadata = () => ({
  MessageAttributes: {
    meta: {
      DataType: 'String',
      StringValue: JSON.stringify({ id: randomUUID(), timestamp: Date.now(), headers: { 'content-type': 'application/json' } }),
    },
  },
});

async function rawPublish(url: string, withMetadata: boolean): Promise<void> {
  await pool(Math.ceil(N / 10), IN_FLIGHT_BATCHES, async (b) => {
    const Entries = Array.from({ length: Math.min(10, N - b * 10) }, (_, i) => ({
      Id: String(i),
      MessageBody: JSON.stringify(body(b * 10 + i)),
      ...(withMetadata ? metadata() : {}),
    }));
    const result = await raw.send(new SendMessageBatchCommand({ QueueUrl: url, Entries }));
    if (result.Failed?.length) throw new Error(`raw publish failed: ${result.Failed[0].Message}`);
  });
}

async function polybusPublish(topic: string): Promise<void> {
  const bus = createBus({ transport: sqsTransport({ ...config, logger: silentLogger }), logger: silentLogger });
  await bus.publish(topic, body(-1)); // resolves the queue URL before the clock runs
  const started = performance.now();
  await pool(N, IN_FLIGHT_BATCHES * 10, async (n) => void (await bus.publish(topic, body(n))));
  const elapsed = performance.now() - started;
  await bus.stop();
  return void (polybusPublishMs = elapsed);
}
let polybusPublishMs = 0;

/** Same shape as the transport: pollers of 10, deletes batched per receive and not awaited before the next receive. */
async function rawConsume(url: string): Promise<number> {
  let consumed = 0;
  let doneAt = 0;
  const deletes: Promise<unknown>[] = [];
  const started = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT_BATCHES }, async () => {
    while (consumed < N) {
      const { Messages = [] } = await raw.send(
        new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }),
      );
      if (Messages.length === 0) continue;
      for (const m of Messages) JSON.parse(m.Body ?? 'null');
      deletes.push(raw.send(new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      })));
      consumed += Messages.length;
      if (consumed >= N && doneAt === 0) doneAt = performance.now();
    }
  }));
  await Promise.all(deletes);
  return doneAt - started;
}

async function polybusConsume(topic: string): Promise<number> {
  let consumed = 0;
  const bus = createBus({ transport: sqsTransport({ ...config, waitTimeSeconds: 1, logger: silentLogger }), logger: silentLogger });
  bus.bind(topic, () => void consumed++, { group: 'bench', concurrency: IN_FLIGHT_BATCHES * 10 });
  const started = performance.now();
  await bus.start();
  await waitFor(() => consumed >= N, { timeoutMs: 120_000, intervalMs: 2 });
  const elapsed = performance.now() - started;
  await bus.stop();
  return elapsed;
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

interface Row { scenario: string; raw: number; rawMeta: number; polybus: number }

async function round(rows: Row[]): Promise<void> {
  const a = await freshQueue('raw');
  const m = await freshQueue('rawmeta');
  const b = await freshQueue('polybus');
  const rawPub = await timed(() => rawPublish(a.url, false));
  const rawMetaPub = await timed(() => rawPublish(m.url, true));
  await polybusPublish(b.topic);
  rows.push({ scenario: 'publish', raw: rawPub, rawMeta: rawMetaPub, polybus: polybusPublishMs });
  // Each queue now holds N messages (+1 warm-up message on the Polybus one, consumed too).
  const rawCon = await rawConsume(a.url);
  const rawMetaCon = await rawConsume(m.url);
  const polyCon = await polybusConsume(b.topic);
  rows.push({ scenario: 'consume', raw: rawCon, rawMeta: rawMetaCon, polybus: polyCon });
}

void (async () => {
  await round([]); // warm-up: JIT, sockets
  const rows: Row[] = [];
  await round(rows);
  await round(rows);
  console.log(`\nSQS benchmark: ${N} messages of ~${JSON.stringify(body(0)).length} B, endpoint ${endpoint}, batches of 10, ${IN_FLIGHT_BATCHES} batches / pollers in flight`);
  const rate = (ms: number) => String(Math.round((N / ms) * 1000));
  const line = (cells: string[]) => console.log(cells.map((c, i) => (i < 2 ? c.padEnd(9) : c.padStart(14))).join(' '));
  line(['scenario', 'run', 'raw msg/s', 'raw+meta msg/s', 'polybus msg/s', 'polybus/raw', 'polybus/meta']);
  rows.forEach((r, i) =>
    line([r.scenario, String(Math.floor(i / 2) + 1), rate(r.raw), rate(r.rawMeta), rate(r.polybus), (r.raw / r.polybus).toFixed(2), (r.rawMeta / r.polybus).toFixed(2)]),
  );
  for (const scenario of ['publish', 'consume']) {
    const mine = rows.filter((r) => r.scenario === scenario);
    const sum = (f: (r: Row) => number) => mine.reduce((s, r) => s + f(r), 0) / mine.length;
    const [raw_, meta, poly] = [sum((r) => r.raw), sum((r) => r.rawMeta), sum((r) => r.polybus)];
    line([scenario, 'mean', rate(raw_), rate(meta), rate(poly), (raw_ / poly).toFixed(2), (meta / poly).toFixed(2)]);
  }
  await Promise.all(made.map((url) => raw.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined)));
  raw.destroy();
})().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
