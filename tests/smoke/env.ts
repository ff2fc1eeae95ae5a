// Broker addresses for tests, from the same env variables as scripts/brokers/ready.js
// (defaults: the local brokers `pnpm brokers:up` starts). See docs/brokers.md.
import { randomBytes } from 'crypto';

export const KAFKA_BROKERS: string[] = (process.env.POLYBUS_KAFKA_BROKERS ?? '127.0.0.1:9092')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
export const SQS_ENDPOINT = process.env.POLYBUS_SQS_ENDPOINT ?? 'http://127.0.0.1:9324';
export const SQS_REGION = process.env.POLYBUS_SQS_REGION ?? 'us-east-1';
export const SQS_CREDENTIALS = { accessKeyId: 'x', secretAccessKey: 'x' };
export const AMQP_URL = process.env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
export const REDIS_URL = process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const PG_URL = process.env.POLYBUS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A name no parallel run will pick: `${prefix}-<time>-<random>`. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
