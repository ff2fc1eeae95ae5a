import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { connect, type Channel, type ChannelModel, type GetMessage } from 'amqplib';
import { Headers, silentLogger, uuidv7, type TransportMessage } from '@polybus/core';
import { type Delivery, type SubscribeOptions } from '@polybus/core/transport';
import { waitFor as pollUntil } from '@polybus/core/testing';
import { rabbitmqTransport, type RabbitmqTransportOptions } from '../src';

export const AMQP_URL = process.env.POLYBUS_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

export function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export function transport(options: Partial<RabbitmqTransportOptions> = {}) {
  return rabbitmqTransport({ url: AMQP_URL, logger: silentLogger, ...options });
}

export function message(
  topic: string,
  body: unknown,
  extra: Partial<TransportMessage> = {},
): TransportMessage {
  const id = extra.id ?? uuidv7();
  return {
    id,
    topic,
    headers: { [Headers.id]: id, [Headers.contentType]: 'application/json', ...extra.headers },
    payload: Buffer.from(JSON.stringify(body)),
    timestamp: Date.now(),
    ...(extra.key === undefined ? {} : { key: extra.key }),
  };
}

export function subscribeOptions(topic: string, overrides: Partial<SubscribeOptions> = {}): SubscribeOptions {
  return {
    topic,
    group: 'g',
    guarantee: 'at-least-once',
    concurrency: 4,
    ordering: 'none',
    deadLetterTopic: `${topic}.dlq`,
    maxAttempts: 3,
    idempotent: false,
    ...overrides,
  };
}

export function bodyOf(delivery: Delivery): unknown {
  return JSON.parse(delivery.message.payload.toString('utf8'));
}

/** Core's `waitFor` with this file's argument order (what, condition, timeout). */
export const waitFor = (
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 20_000,
): Promise<unknown> => pollUntil(condition, { timeoutMs, description: what, intervalMs: 25 });

/** A plain amqplib connection, closed by the returned function. */
export async function rawConnection(url = AMQP_URL): Promise<ChannelModel> {
  return connect(url);
}

const run = promisify(execFile);
export async function rabbitmqctl(...args: string[]): Promise<string> {
  const { stdout } = await run('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });
  return stdout;
}

/** Polls a queue with basic.get until a message is there. */
export async function getOne(channel: Channel, queue: string): Promise<GetMessage> {
  let got: GetMessage | false = false;
  await waitFor(
    `a message in '${queue}'`,
    async () => (got = await channel.get(queue, { noAck: true })) !== false,
  );
  return got as unknown as GetMessage;
}
