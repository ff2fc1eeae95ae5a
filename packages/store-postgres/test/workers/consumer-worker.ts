// A consumer process with a postgres inbox. mode 'crash-after-commit': SIGKILLs itself right after
// the inbox transaction committed, before the engine acks the delivery: the exact window in which
// at-least-once delivery turns into a redelivery. mode 'consume': runs until killed.
import { Pool } from 'pg';
import { createBus, silentLogger, type IdempotencyStore, type Transport } from '@polybus/core';
import { type TransportFromUrl } from '@polybus/core/transport';
import { inboxClient, postgresInbox } from '../../src/index';
import { handlerFailure } from '../e2e-handler';

const [adapterEntry, url, factoryJson, topic, group, prefix, mode] = process.argv.slice(2);
const adapter = require(adapterEntry) as Record<string, (arg: unknown) => Transport>;
const factory = JSON.parse(factoryJson) as { name: string; options: object } | null;
const transport = factory
  ? adapter[factory.name](factory.options)
  : (adapter.createTransportFromUrl as TransportFromUrl)(new URL(url));
const pool = new Pool({
  connectionString: process.env.POLYBUS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  max: 20,
});
const inbox = postgresInbox({ pool, prefix });

const store: IdempotencyStore =
  mode === 'crash-after-commit'
    ? {
        acquire: inbox.acquire,
        complete: inbox.complete,
        release: inbox.release,
        async process(key, work) {
          const outcome = await inbox.process(key, work);
          if (outcome === 'processed') process.kill(process.pid, 'SIGKILL');
          return outcome;
        },
      }
    : inbox;

async function main(): Promise<void> {
  const bus = createBus({ transport, logger: silentLogger });
  bus.bind<{ n: number }>(
    topic,
    async (message, ctx) => {
      await inboxClient(ctx).query(`INSERT INTO "${prefix}effects" (message_id) VALUES ($1)`, [message.id]);
      if (mode === 'consume' && handlerFailure(message.id, ctx.attempt))
        throw new Error('injected handler failure');
    },
    {
      group,
      guarantee: 'exactly-once',
      idempotency: store,
      concurrency: 8,
      retry: { maxAttempts: 20, initialDelayMs: 10, maxDelayMs: 200 },
    },
  );
  await bus.start();
  process.stdout.write('ready\n');
}

main().catch((error) => {
  process.stderr.write(`worker failed: ${String(error?.stack ?? error)}\n`);
  process.exit(1);
});
