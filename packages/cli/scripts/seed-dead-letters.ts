// Puts a few dead letters on `<topic>.dlq` of a broker, to try `polybus dlq` on:
//   npx tsx --conditions=polybus-source packages/cli/scripts/seed-dead-letters.ts <url> <topic> [count]
// A binding on <topic> fails every message for good (two kinds of error), then the bus stops once
// all of them are dead-lettered. Nothing else is written.
import { createBus, PermanentError, silentLogger } from '@polybus/core';

async function main(url: string, topic: string, count: number): Promise<void> {
  const bus = createBus({ url, logger: silentLogger });
  let failed = 0;
  bus.bind(
    topic,
    async (message) => {
      const { n } = message.body as { n: number };
      failed += 1;
      if (n % 3 === 0) throw new PermanentError(`order ${1000 + n} has no customer`);
      throw new PermanentError(`card declined for order ${1000 + n}`);
    },
    { group: 'seed' },
  );
  await bus.start();
  for (let n = 0; n < count; n += 1) await bus.publish(topic, { n }, { key: `order-${n}` });
  const deadline = Date.now() + 60_000;
  while (bus.stats()[0]!.counters.deadLettered < count && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 100));
  await bus.stop();
  console.log(
    `${bus.stats()[0]!.counters.deadLettered} of ${count} dead-lettered on ${topic}.dlq (${failed} attempts)`,
  );
}

const [url, topic, count = '5'] = process.argv.slice(2);
if (url === undefined || topic === undefined) {
  console.error('usage: seed-dead-letters.ts <url> <topic> [count]');
  process.exit(2);
}
main(url, topic, Number(count)).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
