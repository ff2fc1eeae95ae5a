// A relay whose "broker" is a Redis list (it outlives this process) and which publishes slowly,
// so the test can SIGKILL it in the middle of a batch: published, not yet marked, not committed.
import Redis from 'ioredis';
import { Pool } from 'pg';
import { silentLogger, type BatchEntry } from '@polybus/core';
import { postgresOutbox } from '../../src/index';

const [prefix, list] = process.argv.slice(2);
const pool = new Pool({
  connectionString: process.env.POLYBUS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
});
const redis = new Redis(process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379');
const outbox = postgresOutbox({ pool, prefix, logger: silentLogger });

const sink = {
  async publishBatch(entries: readonly BatchEntry[]) {
    for (const entry of entries) {
      await redis.rpush(list, entry.id!);
      await new Promise((r) => setTimeout(r, 5));
    }
    return entries.map((e) => ({ id: e.id!, topic: e.topic }));
  },
};
outbox.relay(sink, { batchSize: 50, pollMs: 50 });
