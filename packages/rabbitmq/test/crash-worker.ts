// A consumer process for the SIGKILL test: reports each delivery on stdout and never finishes
// handling it, so the message stays unacked until the process dies.
import { createBus, silentLogger } from '@polybus/core';
import { rabbitmqTransport } from '../src';

async function main(): Promise<void> {
  const [url, topic, group] = process.argv.slice(2);
  const bus = createBus({
    transport: rabbitmqTransport({ url, logger: silentLogger }),
    logger: silentLogger,
  });
  bus.bind(
    topic,
    async (message) => {
      process.stdout.write(`got ${message.id}\n`);
      await new Promise(() => undefined);
    },
    { group },
  );
  await bus.start();
  process.stdout.write('ready\n');
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
