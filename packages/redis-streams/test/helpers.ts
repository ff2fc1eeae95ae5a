import { testMessage } from '@polybus/conformance';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import type { TransportMessage } from '@polybus/core';
import type { Delivery, SubscribeOptions } from '@polybus/core/transport';

export const REDIS_URL = process.env.POLYBUS_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const unique = (prefix: string): string => `${prefix}-${Date.now()}-${randomBytes(3).toString('hex')}`;

/** A raw client, as any other program would use one. */
export function rawClient(): Redis {
  return new Redis(REDIS_URL);
}

/** Polls until `check` returns a value other than undefined/false; fails after `timeoutMs`. */
export async function waitUntil<T>(
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function subscribeOptions(
  topic: string,
  group: string,
  extra: Partial<SubscribeOptions> = {},
): SubscribeOptions {
  return {
    topic,
    group,
    guarantee: 'at-least-once',
    concurrency: 8,
    ordering: 'none',
    deadLetterTopic: `${topic}.dlq`,
    maxAttempts: 3,
    idempotent: false,
    ...extra,
  };
}

/** The shared transport-test message fixture. */
export const message = testMessage;

/** Collects deliveries; `settle` decides what to do with each (default: ack). */
export function collector(settle: (d: Delivery) => Promise<void> = (d) => d.ack()) {
  const deliveries: Delivery[] = [];
  return {
    deliveries,
    handler: async (d: Delivery) => {
      deliveries.push(d);
      await settle(d);
    },
  };
}

/** Entries of a stream as plain strings, read by a raw client. */
export async function readStream(redis: Redis, stream: string): Promise<Array<Record<string, string>>> {
  const entries = await redis.xrange(stream, '-', '+');
  return entries.map(([entryId, flat]) => {
    const record: Record<string, string> = { entryId };
    for (let i = 0; i + 1 < flat.length; i += 2) record[flat[i]!] = flat[i + 1]!;
    return record;
  });
}
