// Exactly-once (Redis idempotency store; Postgres inbox) next to at-least-once, same transport,
// same handler effect (one INSERT into PostgreSQL), one run. Also the outbox relay's throughput.
//   npx tsx --conditions=polybus-source packages/store-postgres/bench/bench.ts
// Env: BENCH_TRANSPORT (redis-streams | rabbitmq | memory; default redis-streams), BENCH_MESSAGES
// (default 5 000), BENCH_CONCURRENCY (default 16), POLYBUS_PG_URL, POLYBUS_REDIS_URL, POLYBUS_AMQP_URL.
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import Redis from 'ioredis';
import {
  createBus,
  memoryTransport,
  silentLogger,
  type BindOptions,
  type Bus,
  type Transport,
} from '@polybus/core';
import { inboxClient, postgresInbox, postgresOutbox } from '../src/index';
import { redisIdempotencyStore } from '../../store-redis/src/index';

const N = Number(process.env.BENCH_MESSAGES ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const KIND = process.env.BENCH_TRANSPORT ?? 'redis-streams';
const PG_URL = process.env.POLYBUS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';
const tag = randomBytes(3).toString('hex');
const prefix = `bench_${tag}_`;

function transport(namespace: string): Transport {
  if (KIND === 'memory') return memoryTransport({ namespace });
  if (KIND === 'rabbitmq')
    return require('../../rabbitmq/src/index').createTransportFromUrl(
      new URL(process.env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'),
    );
  if (KIND === 'redis-streams')
    return require('../../redis-streams/src/index').createTransportFromUrl(new URL(REDIS_URL));
  throw new Error(`BENCH_TRANSPORT=${KIND} is not supported here`);
}

const pool = new Pool({ connectionString: PG_URL, max: CONCURRENCY + 4 });
const effects = `"${prefix}effects"`;

interface Variant {
  name: string;
  options: Omit<BindOptions<unknown>, 'group'>;
  effect: 'pool' | 'inbox';
}

async function run(variant: Variant): Promise<{ ms: number; rows: number }> {
  const topic = `bench.eo.${tag}.${variant.name.replace(/\W+/g, '-')}`;
  const options = { group: 'bench', concurrency: CONCURRENCY, ...variant.options };
  // the group exists before the backlog is written (RabbitMQ drops publishes to topics without a queue)
  const setup = createBus({ transport: transport(topic), logger: silentLogger });
  setup.bind(topic, async () => undefined, { group: 'bench', guarantee: 'at-least-once' });
  await setup.start();
  await setup.stop();
  const publisher = createBus({ transport: transport(topic), logger: silentLogger });
  for (let from = 0; from < N; from += 500)
    await publisher.publishBatch(
      Array.from({ length: Math.min(500, N - from) }, (_, i) => ({ topic, body: { n: from + i } })),
    );
  await publisher.stop();

  let done = 0;
  let finish!: () => void;
  const finished = new Promise<void>((r) => (finish = r));
  const sql = `INSERT INTO ${effects} (message_id) VALUES ($1)`;
  const consumer: Bus = createBus({ transport: transport(topic), logger: silentLogger });
  consumer.bind(
    topic,
    async (message, ctx) => {
      if (variant.effect === 'inbox') await inboxClient(ctx).query(sql, [message.id]);
      else await pool.query(sql, [message.id]);
      if (++done === N) finish();
    },
    options,
  );
  const started = performance.now();
  await consumer.start();
  await finished;
  const ms = performance.now() - started;
  await consumer.stop();
  const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${effects}`);
  await pool.query(`TRUNCATE ${effects}`);
  return { ms, rows: rows[0].n };
}

async function relayBench(): Promise<number> {
  const topic = `bench.relay.${tag}`;
  const outbox = postgresOutbox({ pool, prefix, logger: silentLogger });
  await outbox.migrate();
  const sink = createBus({ transport: transport(topic), logger: silentLogger });
  sink.bind(topic, async () => undefined, { group: 'relay-sink', guarantee: 'at-least-once' });
  await sink.start(); // consumers first: RabbitMQ drops publishes to topics without a queue
  const client = await pool.connect();
  await client.query('BEGIN');
  for (let i = 0; i < N; i++) await outbox.publish(client, topic, { n: i }, { key: `k${i % 50}` });
  await client.query('COMMIT');
  client.release();
  const started = performance.now();
  const relay = outbox.relay(sink, { batchSize: 500, pollMs: 50 });
  while ((await outbox.pending()) > 0) await new Promise((r) => setTimeout(r, 20));
  const ms = performance.now() - started;
  await relay.stop();
  await sink.stop();
  return ms;
}

async function main(): Promise<void> {
  await pool.query(`CREATE TABLE ${effects} (message_id text NOT NULL)`);
  const redis = new Redis(REDIS_URL);
  const inbox = postgresInbox({ pool, prefix });
  await inbox.migrate();
  const variants: Variant[] = [
    { name: 'at-least-once', options: { guarantee: 'at-least-once' }, effect: 'pool' },
    {
      name: 'exactly-once, redisIdempotencyStore',
      options: {
        guarantee: 'exactly-once',
        idempotency: redisIdempotencyStore({ redis, prefix: `bench:${tag}:`, ttlSeconds: 600 }),
      },
      effect: 'pool',
    },
    {
      name: 'exactly-once, postgresInbox',
      options: { guarantee: 'exactly-once', idempotency: inbox },
      effect: 'inbox',
    },
  ];
  console.log(
    `transport ${KIND}, ${N} messages, concurrency ${CONCURRENCY}, handler = one INSERT into PostgreSQL`,
  );
  const base = await run(variants[0]);
  const results = [{ name: variants[0].name, ...base }];
  for (const v of variants.slice(1)) results.push({ name: v.name, ...(await run(v)) });
  for (const r of results)
    console.log(
      `${r.name.padEnd(38)} ${String(Math.round((N / r.ms) * 1000)).padStart(7)} msg/s  ${(r.ms / 1000).toFixed(2)} s  ${(
        (r.ms / base.ms) *
        100
      ).toFixed(0)}% of at-least-once time  effect rows ${r.rows}`,
    );
  const relayMs = await relayBench();
  console.log(
    `${'outbox relay (batch 500, 50 keys)'.padEnd(38)} ${String(Math.round((N / relayMs) * 1000)).padStart(7)} rows/s  ${(relayMs / 1000).toFixed(2)} s`,
  );
  redis.disconnect();
  await pool.query(
    `DROP TABLE IF EXISTS ${effects}, "${prefix}inbox", "${prefix}outbox" CASCADE; DROP FUNCTION IF EXISTS "${prefix}outbox_notify"() CASCADE`,
  );
  await pool.end();
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
