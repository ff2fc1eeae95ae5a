// One consumer for bench/instructions.sh, in plain JavaScript so valgrind runs Node without a
// TypeScript loader; it loads the built packages. Modes:
//   node consume-instructions.js fill <n>     publish 1 000 warm-up messages and <n> measured ones (Polybus)
//   node consume-instructions.js raw <n>      @aws-sdk/client-sqs: 8 pollers of 10, parse body and the
//                                             Polybus attribute, DeleteMessageBatch per receive
//   node consume-instructions.js polybus <n>  the same messages through a bus binding, concurrency 80
// Both consumers first read the warm-up queue, so JIT warm-up is in both counts alike.
const {
  SQSClient,
  ReceiveMessageCommand,
  DeleteMessageBatchCommand,
  CreateQueueCommand,
  PurgeQueueCommand,
} = require('@aws-sdk/client-sqs');
const { createBus, silentLogger } = require('@polybus/core');
const { sqsTransport, queueNameFor, POLYBUS_ATTRIBUTE } = require('../dist/index.js');

const endpoint = process.env.POLYBUS_SQS_ENDPOINT ?? 'http://127.0.0.1:9324';
const config = { region: 'us-east-1', endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
const [mode, count] = [process.argv[2], Number(process.argv[3])];
const WARM = 1_000;
const POLLERS = 8;
const topics = { warm: 'bench.instructions.warm', measured: 'bench.instructions' };
const body = (n) => ({ orderId: `o-${n}`, amount: n, currency: 'EUR', note: 'x'.repeat(120) });
const client = new SQSClient(config);
const urlOf = async (topic) =>
  (await client.send(new CreateQueueCommand({ QueueName: queueNameFor(topic).name }))).QueueUrl;

async function fill() {
  const bus = createBus({ transport: sqsTransport({ client, logger: silentLogger }), logger: silentLogger });
  for (const [topic, n] of [
    [topics.warm, WARM],
    [topics.measured, count],
  ]) {
    await client.send(new PurgeQueueCommand({ QueueUrl: await urlOf(topic) }));
    for (let from = 0; from < n; from += 100) {
      const entries = [];
      for (let i = from; i < Math.min(n, from + 100); i++) entries.push({ topic, body: body(i) });
      await bus.publishBatch(entries);
    }
  }
  await bus.stop();
}

async function raw(topic, n) {
  const url = await urlOf(topic);
  let consumed = 0;
  const deletes = [];
  await Promise.all(
    Array.from({ length: POLLERS }, async () => {
      while (consumed < n) {
        const { Messages = [] } = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ['All'],
          }),
        );
        for (const m of Messages) {
          JSON.parse(m.Body ?? 'null');
          const meta = m.MessageAttributes?.[POLYBUS_ATTRIBUTE]?.StringValue;
          if (meta !== undefined) JSON.parse(meta);
        }
        if (Messages.length === 0) continue;
        deletes.push(
          client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: url,
              Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
            }),
          ),
        );
        consumed += Messages.length;
      }
    }),
  );
  await Promise.all(deletes);
}

async function polybus(topic, n) {
  const bus = createBus({
    transport: sqsTransport({ client, waitTimeSeconds: 1, logger: silentLogger }),
    logger: silentLogger,
  });
  let consumed = 0;
  let done;
  const finished = new Promise((resolve) => (done = resolve));
  bus.bind(topic, () => void (++consumed === n && done()), { group: 'bench', concurrency: POLLERS * 10 });
  await bus.start();
  await finished;
  await bus.stop();
}

void (async () => {
  if (mode === 'fill') await fill();
  else {
    const consume = mode === 'raw' ? raw : polybus;
    await consume(topics.warm, WARM);
    if (count > 0) await consume(topics.measured, count);
  }
  client.destroy();
})();
