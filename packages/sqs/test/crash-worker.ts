// Child process for the SIGKILL test: takes one message, reports it, then hangs without acking.
import { silentLogger } from '@polybus/core';
import { sqsTransport } from '@polybus/sqs';

const [topic, visibility] = process.argv.slice(2);
const transport = sqsTransport({
  region: 'us-east-1',
  endpoint: process.env.POLYBUS_SQS_ENDPOINT ?? 'http://127.0.0.1:9324',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  waitTimeSeconds: 1,
  visibilityTimeoutSeconds: Number(visibility),
  logger: silentLogger,
});

void (async () => {
  await transport.connect();
  await transport.subscribe(
    {
      topic,
      group: 'g',
      guarantee: 'at-least-once',
      concurrency: 1,
      ordering: 'none',
      deadLetterTopic: false,
      maxAttempts: 5,
      idempotent: false,
    },
    async (delivery) => {
      process.stdout.write(`taken ${delivery.message.id}\n`);
      await new Promise(() => undefined); // the handler never finishes
    },
  );
  process.stdout.write('ready\n');
})();
