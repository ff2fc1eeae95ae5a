import type { Admin, Kafka } from 'kafkajs';
import {
  ConfigurationError,
  ConnectionError,
  type Guarantee,
  type Transport,
  type TransportCapabilities,
  type TransportHealth,
  type TransportMessage,
} from '@polybus/core';
import {
  Slots,
  withTimeout,
  type DeadLetterAccess,
  type DeliveryHandler,
  type SubscribeOptions,
  type Subscription,
} from '@polybus/core/transport';
import { kafkaBacklog } from './backlog';
import { brokerMessageLimit } from './broker-limit';
import { kafkaClient } from './client';
import { registerCodecs } from './codecs';
import { KafkaDeadLetters } from './dead-letters';
import { kafkaHealth } from './health';
import { KafkaSubscription, type RetryRoute } from './subscription';
import { retryTopicOf } from './wire';
import { resolveOptions, type KafkaTransportOptions, type ResolvedKafkaOptions } from './options';
import { ProducerPool } from './publisher';
import { planPublish } from './publish-plan';
import { ensureKafkaTopics } from './topics';

/**
 * Polybus on Kafka (kafkajs). Publishes through shared producers chosen by guarantee; every
 * binding is its own consumer in its group; exactly-once bindings commit outputs and consumed
 * offsets in Kafka transactions.
 */
export class KafkaTransport implements Transport {
  readonly name = 'kafka';
  capabilities: TransportCapabilities;
  readonly options: ResolvedKafkaOptions;
  private readonly kafka: Kafka;
  private readonly admin: Admin;
  private readonly producers: ProducerPool;
  private readonly subscriptions = new Set<KafkaSubscription>();
  private connected?: Promise<void>;
  private closed?: Promise<void>;

  constructor(options: KafkaTransportOptions) {
    this.options = resolveOptions(options);
    registerCodecs();
    const o = this.options;
    this.capabilities = {
      consumerGroups: true,
      competingConsumers: true,
      perKeyOrdering: true,
      transactions: true,
      nativeDeduplication: false,
      delayedRedelivery: o.retryTopics,
      persistent: true,
      maxMessageBytes: o.maxMessageBytes,
    };
    this.kafka = kafkaClient(o);
    this.admin = this.kafka.admin();
    this.producers = new ProducerPool(this.kafka, o);
  }

  /** A failed connect is not kept: the next call (the bus's next start or publish) tries again. */
  connect(): Promise<void> {
    if (this.connected !== undefined) return this.connected;
    const ms = this.options.connectTimeoutMs;
    const connecting = this.admin.connect();
    this.connected = withTimeout(
      connecting,
      ms,
      () => new Error(`no answer within connectTimeoutMs ${ms} ms`),
    ).catch((cause: Error) => {
      this.connected = undefined;
      // A connect still retrying behind the timeout is stopped: the next connect() starts afresh.
      void connecting.then(
        () => this.admin.disconnect(),
        () => undefined,
      );
      throw new ConnectionError(
        'Kafka',
        this.options.brokers.join(','),
        cause.message,
        'check that the brokers run there and that their advertised listeners are reachable from here',
        { cause },
      );
    });
    if (!this.options.maxMessageBytesGiven)
      this.connected = this.connected.then(() =>
        // Bounded like the connect: a broker that stops answering here keeps the default limit.
        withTimeout(this.readBrokerLimit(), ms, () => new Error('no answer')).catch(() => undefined),
      );
    return this.connected;
  }

  /** The broker's message limit replaces the default one (see `brokerMessageLimit`). */
  private async readBrokerLimit(): Promise<void> {
    const limit = await brokerMessageLimit(this.admin, this.options.logger, this.options.maxMessageBytes);
    if (limit === undefined) return;
    this.options.maxMessageBytes = limit;
    this.capabilities = { ...this.capabilities, maxMessageBytes: limit };
  }

  async publish(messages: readonly TransportMessage[], options: { guarantee: Guarantee }): Promise<void> {
    await this.producers.send(messages, options.guarantee);
  }

  async subscribe(options: SubscribeOptions, handler: DeliveryHandler): Promise<Subscription> {
    this.validateSubscription(options);
    if (this.closed) throw new ConfigurationError('subscribe', 'the Kafka transport is closed');
    await this.connect();
    const retryTopic = this.retryTopicFor(options);
    if (retryTopic === undefined) return this.open(options, handler);
    await this.ensureTopics([retryTopic]);
    const slots = new Slots(Math.max(1, options.concurrency));
    const main = await this.open(options, handler, { retryTopic, slots });
    try {
      const retries = await this.open({ ...options, topic: retryTopic }, handler, {
        retryTopic,
        origin: options.topic,
        slots,
      });
      return new SubscriptionPair(main, retries);
    } catch (error) {
      await main.close();
      throw error;
    }
  }

  /**
   * The binding's retry topic when retries are non-blocking: not for exactly-once bindings (their
   * retries stay inside the transaction's partition order) nor per-key ones (a retry elsewhere
   * would let the key's later records overtake it).
   */
  private retryTopicFor(options: SubscribeOptions): string | undefined {
    if (!this.options.retryTopics || options.guarantee !== 'at-least-once') return undefined;
    if (options.ordering === 'per-key') return undefined;
    return retryTopicOf(options.topic, options.group);
  }

  private async open(
    options: SubscribeOptions,
    handler: DeliveryHandler,
    route?: RetryRoute,
  ): Promise<KafkaSubscription> {
    const subscription = new KafkaSubscription(
      {
        kafka: kafkaClient(this.options),
        admin: this.admin,
        producers: this.producers,
        options: this.options,
        logger: this.options.logger,
      },
      options,
      handler,
      route,
    );
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      this.subscriptions.delete(subscription);
      await subscription.shutdown().catch(() => undefined);
      throw error;
    }
    return subscription;
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    await this.connect();
    await ensureKafkaTopics(this.admin, topics, this.options.topics, this.options.requestTimeout);
  }

  validateSubscription(options: SubscribeOptions): void {
    if (!options.group) throw new ConfigurationError('group', 'a Kafka binding needs a consumer group');
    if (options.guarantee === 'exactly-once') {
      // Transactions run on the idempotent producer; reuse its acks check for the error message.
      planPublish('exactly-once', this.options.acks);
    }
  }

  /** Reads with throw-away groups of their own clients (see `KafkaDeadLetters`). */
  deadLetters(): DeadLetterAccess {
    return new KafkaDeadLetters(this.admin, () => kafkaClient(this.options), this.options);
  }

  /** Committed offsets against watermarks, on the shared admin client (see `kafkaBacklog`). */
  async backlog(subscription: { topic: string; group: string }): Promise<number | undefined> {
    const connected = await this.connected?.then(
      () => true,
      () => false,
    );
    if (connected !== true) return undefined;
    return kafkaBacklog(this.admin, subscription, this.options.consumer.fromBeginning);
  }

  /** The cluster's answer and the bindings' crash loops (see `kafkaHealth`). */
  health(): Promise<TransportHealth> {
    return kafkaHealth(() => this.connect(), this.admin, this.subscriptions);
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      await Promise.all([...this.subscriptions].map((s) => s.shutdown()));
      await this.producers.close();
      if (this.connected) await this.admin.disconnect().catch(() => undefined);
    })();
    return this.closed;
  }
}

/** A binding with non-blocking retries: its topic's consumer and its retry topic's, closed together. */
class SubscriptionPair implements Subscription {
  constructor(
    private readonly main: Subscription,
    private readonly retries: Subscription,
  ) {}

  async close(): Promise<void> {
    await Promise.all([this.main.close(), this.retries.close()]);
  }
}

/** `kafkaTransport({ brokers: ['127.0.0.1:9092'], clientId: 'billing' })` */
export function kafkaTransport(options: KafkaTransportOptions): KafkaTransport {
  return new KafkaTransport(options);
}
