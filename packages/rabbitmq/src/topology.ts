import type { Channel } from 'amqplib';
import { ConfigurationError } from '@polybus/core';
import type { ConnectionManager } from './connection';
import { copyRetainedLetters, isNewGroupOfRetainedTopic } from './dead-letters';
import { groupQueueName, retainedQueueName, retryQueueName } from './naming';

export interface GroupQueueSpec {
  readonly topic: string;
  readonly group: string;
  readonly deadLetterTopic: string | false;
  readonly singleActiveConsumer: boolean;
}

/**
 * Declares exchanges and queues, idempotently. Declarations are cached per connection: after a
 * reconnect everything is declared again (the broker may have lost non-durable state, and a
 * deleted queue should come back). A failed declaration (e.g. 406 PRECONDITION_FAILED because a
 * queue exists with other arguments) closes only this helper's channel, never a publish or
 * consume channel; the next call opens a new one. A 406 rejects with a `ConfigurationError` that
 * names what exists and what to do.
 */
export class Topology {
  private channel: Promise<Channel> | undefined;
  private readonly done = new Map<string, Promise<void>>();

  constructor(
    private readonly connection: ConnectionManager,
    private readonly queueType: 'classic' | 'quorum',
    private readonly deliveryLimit: number | undefined,
    /** Publishes the copies of retained letters: RabbitMQ may throttle it without stalling acks. */
    private readonly copies: ConnectionManager = connection,
  ) {
    connection.onReconnect(() => this.done.clear());
  }

  exchange(topic: string): Promise<void> {
    return this.once(`x:${topic}`, (ch) => ch.assertExchange(topic, 'topic', { durable: true }));
  }

  /** The group's work queue, bound to its topic; the dead-letter topic with its retention queue. */
  async groupQueue(spec: GroupQueueSpec): Promise<string> {
    const queue = groupQueueName(spec.topic, spec.group);
    await this.exchange(spec.topic);
    const args = this.queueArguments();
    if (spec.singleActiveConsumer) args['x-single-active-consumer'] = true;
    if (this.deliveryLimit !== undefined) args['x-delivery-limit'] = this.deliveryLimit;
    if (spec.deadLetterTopic !== false) {
      await this.deadLetterTopic(spec.deadLetterTopic);
      // What the broker dead-letters by itself (quorum delivery limit, user TTL/length policies)
      // lands in the same dead-letter topic, without the Polybus envelope but with x-death.
      args['x-dead-letter-exchange'] = spec.deadLetterTopic;
    }
    await this.once(`q:${queue}`, async (ch) => {
      // A new group of a dead-letter topic starts with the letters retained so far (issue 24).
      const seed = await isNewGroupOfRetainedTopic(this.connection, spec.topic, queue);
      await ch.assertQueue(queue, { durable: true, arguments: args });
      await ch.bindQueue(queue, spec.topic, '#');
      if (seed) await copyRetainedLetters(this.copies, spec.topic, queue);
    });
    return queue;
  }

  deadLetterTopic(topic: string): Promise<void> {
    return this.once(`d:${topic}`, async (ch) => {
      const queue = retainedQueueName(topic);
      await ch.assertExchange(topic, 'topic', { durable: true });
      await ch.assertQueue(queue, { durable: true, arguments: this.queueArguments() });
      await ch.bindQueue(queue, topic, '#');
    });
  }

  /** Fanout exchange + TTL queue of one delay bucket; returns the exchange to publish to. */
  retryBucket(delayMs: number): Promise<string> {
    const name = retryQueueName(delayMs, this.queueType);
    return this.once(`r:${name}`, async (ch) => {
      const args = { ...this.queueArguments(), 'x-message-ttl': delayMs, 'x-dead-letter-exchange': '' };
      // Quorum queues can dead-letter at-least-once (classic ones may drop on a broker crash).
      if (this.queueType === 'quorum')
        Object.assign(args, { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' });
      await ch.assertExchange(name, 'fanout', { durable: true });
      await ch.assertQueue(name, { durable: true, arguments: args });
      await ch.bindQueue(name, name, '');
    }).then(() => name);
  }

  // Classic queues get no x-queue-type so that queues declared earlier without it still match.
  private queueArguments(): Record<string, unknown> {
    return this.queueType === 'quorum' ? { 'x-queue-type': 'quorum' } : {};
  }

  async close(): Promise<void> {
    const channel = this.channel;
    this.channel = undefined;
    if (channel) await channel.then((ch) => ch.close()).catch(() => undefined);
  }

  private once(key: string, declare: (ch: Channel) => Promise<unknown>): Promise<void> {
    let pending = this.done.get(key);
    if (!pending) {
      pending = this.open()
        .then(declare)
        .then(
          () => undefined,
          (error: unknown) => Promise.reject(refusal(key, error)),
        );
      pending.catch(() => this.done.delete(key));
      this.done.set(key, pending);
    }
    return pending;
  }

  private open(): Promise<Channel> {
    if (!this.channel) {
      const channel = this.connection.createChannel();
      this.channel = channel;
      channel.then(
        (ch) => ch.on('close', () => this.channel === channel && (this.channel = undefined)),
        () => this.channel === channel && (this.channel = undefined),
      );
    }
    return this.channel;
  }
}

const KINDS: Record<string, string> = {
  x: 'exchange',
  q: 'queue',
  d: 'dead-letter exchange and queue',
  r: 'retry exchange and queue',
};

/**
 * A declaration the broker refused because the exchange or queue exists with other settings
 * (406 PRECONDITION_FAILED: another exchange type, other queue arguments): a `ConfigurationError`
 * that says which object and what to do, with the broker's own words. Other errors pass unchanged.
 */
function refusal(key: string, error: unknown): unknown {
  const e = error as { code?: unknown; message?: unknown };
  if (e?.code !== 406) return error;
  const name = key.slice(2);
  const kind = KINDS[key[0]!] ?? 'object';
  const broker = String(e.message).replace(/^.*?PRECONDITION_FAILED - /, '');
  return new ConfigurationError(
    `${kind} '${name}'`,
    `exists on the broker with other settings (${broker}); delete it (rabbitmqctl delete_exchange / delete_queue) or bind under another topic name`,
    { cause: error },
  );
}
