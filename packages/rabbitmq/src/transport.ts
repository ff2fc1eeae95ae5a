import {
  ConfigurationError,
  GuaranteeNotSupportedError,
  type Guarantee,
  type Transport,
  type TransportCapabilities,
  type TransportHealth,
  type TransportMessage,
} from '@polybus/core';
import {
  type DeadLetterAccess,
  type DeliveryHandler,
  type SubscribeOptions,
  type Subscription,
} from '@polybus/core/transport';
import { rabbitBacklog } from './backlog';
import { ConnectionManager } from './connection';
import { RabbitDeadLetters } from './dead-letters';
import { groupQueueName } from './naming';
import { resolveOptions, type RabbitmqTransportOptions, type ResolvedOptions } from './options';
import { Publisher } from './publisher';
import { RabbitSubscription } from './subscription';
import { Topology } from './topology';
import { MAX_MESSAGE_BYTES } from './wire';

/**
 * RabbitMQ through amqplib. Two connections (publishing and consuming: the broker throttles
 * publishers under memory pressure, which must not also stall acks), both reconnecting by
 * themselves. See docs/adapters/rabbitmq.md for topology and semantics.
 */
class RabbitmqTransport implements Transport {
  readonly name = 'rabbitmq';
  readonly capabilities: TransportCapabilities = {
    consumerGroups: true,
    competingConsumers: true,
    // Via single-active-consumer queues: one member of the group consumes at a time.
    perKeyOrdering: true,
    transactions: false,
    nativeDeduplication: false,
    delayedRedelivery: true,
    persistent: true,
    maxMessageBytes: MAX_MESSAGE_BYTES,
  };

  private readonly publishing: ConnectionManager;
  private readonly consuming: ConnectionManager;
  private readonly publisher: Publisher;
  private readonly publishTopology: Topology;
  private readonly consumeTopology: Topology;
  private readonly subscriptions = new Set<RabbitSubscription>();
  private closing: Promise<void> | undefined;

  constructor(private readonly options: ResolvedOptions) {
    const { logger, queueType, deliveryLimit } = options;
    this.publishing = new ConnectionManager(options, 'publish', logger);
    this.consuming = new ConnectionManager(options, 'consume', logger);
    this.publishTopology = new Topology(this.publishing, queueType, deliveryLimit);
    this.consumeTopology = new Topology(this.consuming, queueType, deliveryLimit, this.publishing);
    this.publisher = new Publisher(this.publishing, this.publishTopology, options.publishTimeoutMs);
  }

  async connect(): Promise<void> {
    await Promise.all([this.publishing.connect(), this.consuming.connect()]);
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  publish(messages: readonly TransportMessage[], options: { guarantee: Guarantee }): Promise<void> {
    return this.publisher.publish(messages, options.guarantee);
  }

  async subscribe(options: SubscribeOptions, handler: DeliveryHandler): Promise<Subscription> {
    this.validateSubscription(options, []);
    const subscription = new RabbitSubscription(
      {
        connection: this.consuming,
        topology: this.consumeTopology,
        publisher: this.publisher,
        retryDelaysMs: this.options.retryDelaysMs,
        prefetchCap: this.options.prefetch,
        reconnect: {
          initialDelayMs: this.options.reconnectInitialDelayMs,
          maxDelayMs: this.options.reconnectMaxDelayMs,
          multiplier: 2,
          jitter: false,
        },
        logger: this.options.logger,
      },
      options,
      handler,
    );
    await subscription.start();
    this.subscriptions.add(subscription);
    return subscription;
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    await Promise.all(topics.map((topic) => this.publishTopology.exchange(topic)));
  }

  validateSubscription(options: SubscribeOptions, existing: readonly SubscribeOptions[]): void {
    if (options.guarantee === 'exactly-once' && !options.idempotent)
      throw new GuaranteeNotSupportedError(
        'rabbitmq',
        'exactly-once',
        'exactly-once on RabbitMQ is at-least-once delivery plus an idempotency store: pass `idempotency` to the binding',
      );
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1 || options.concurrency > 65_535)
      throw new ConfigurationError(
        'concurrency',
        'must be an integer from 1 to 65535 (it is the AMQP prefetch)',
      );
    const queue = groupQueueName(options.topic, options.group);
    for (const other of existing) {
      if (groupQueueName(other.topic, other.group) !== queue) continue;
      // Queue arguments are fixed when the queue is declared; RabbitMQ refuses a second shape.
      if (other.ordering !== options.ordering)
        throw new ConfigurationError(
          'ordering',
          `queue '${queue}' cannot be both per-key (single active consumer) and unordered`,
        );
      if (other.deadLetterTopic !== options.deadLetterTopic)
        throw new ConfigurationError('deadLetter', `queue '${queue}' cannot dead-letter to two topics`);
    }
  }

  /** Browses the retention queues on the consuming connection (see `RabbitDeadLetters`). */
  deadLetters(): DeadLetterAccess {
    return new RabbitDeadLetters(this.consuming);
  }

  /** The group queue's ready messages, asked on the consuming connection (see `rabbitBacklog`). */
  backlog(subscription: { topic: string; group: string }): Promise<number | undefined> {
    return rabbitBacklog(this.consuming, subscription);
  }

  /** Ok only while both connections are up: not while amqplib reconnects, nor after close. */
  async health(): Promise<TransportHealth> {
    const state = (c: ConnectionManager): string =>
      c.isClosed ? 'closed' : c.isUp ? 'connected' : 'reconnecting';
    const publishing = state(this.publishing);
    const consuming = state(this.consuming);
    const ok = !this.closing && publishing === 'connected' && consuming === 'connected';
    return { ok, details: { publishing, consuming, subscriptions: this.subscriptions.size } };
  }

  private async shutdown(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.publisher.close();
    await Promise.all([...this.subscriptions].map((s) => s.dispose()));
    await Promise.all([this.publishTopology.close(), this.consumeTopology.close()]);
    await Promise.all([this.publishing.close(), this.consuming.close()]);
  }
}

/** A RabbitMQ transport. Options are validated here; nothing connects before `connect()`. */
export function rabbitmqTransport(options: RabbitmqTransportOptions): Transport {
  return new RabbitmqTransport(resolveOptions(options));
}
