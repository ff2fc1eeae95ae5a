import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
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
import { registerCodecs } from './codecs';
import { KafkaDeadLetters } from './dead-letters';
import { kafkaLogCreator } from './kafka-logger';
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
/** Room left in `message.max.bytes` for the record batch's header and each record's framing. */
const BATCH_FRAMING_BYTES = 1024;

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
    this.kafka = this.newClient();
    this.admin = this.kafka.admin();
    this.producers = new ProducerPool(this.kafka, o);
  }

  /**
   * A kafkajs client: one for the admin and the shared producers, and one per subscription.
   * kafkajs keeps one committed-offsets cache per group id in each client and a consumer clears
   * every other topic of its group from it when it (re)joins, so two bindings of one group (two
   * topics) on one client make the other consumer crash with a TypeError, for good, after a
   * rebalance. A client of their own keeps them apart; it costs no connection by itself.
   */
  private newClient(): Kafka {
    const o = this.options;
    return new Kafka({
      clientId: o.clientId,
      brokers: o.brokers,
      ssl: o.ssl,
      sasl: o.sasl,
      connectionTimeout: o.connectionTimeout,
      requestTimeout: o.requestTimeout,
      ...(o.socketFactory === undefined ? {} : { socketFactory: o.socketFactory }),
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(o.logger),
    });
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

  /**
   * The broker's `message.max.bytes` (its record-batch limit) as this transport's message limit,
   * less 1 KiB for the batch's framing: publish refuses, and dead letters are cut to, what the
   * broker would take, not a fixed 1,000,000. Kept as it was when the broker does not say.
   */
  private async readBrokerLimit(): Promise<void> {
    try {
      const { brokers } = await this.admin.describeCluster();
      const { resources } = await this.admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          {
            type: ConfigResourceTypes.BROKER,
            name: String(brokers[0]!.nodeId),
            configNames: ['message.max.bytes'],
          },
        ],
      });
      const value = Number(
        resources[0]?.configEntries.find((e) => e.configName === 'message.max.bytes')?.configValue,
      );
      if (!Number.isInteger(value) || value <= BATCH_FRAMING_BYTES) return;
      this.options.maxMessageBytes = value - BATCH_FRAMING_BYTES;
      this.capabilities = { ...this.capabilities, maxMessageBytes: this.options.maxMessageBytes };
    } catch (error) {
      this.options.logger.debug(
        "kafka: the broker's message.max.bytes could not be read; maxMessageBytes stays",
        {
          maxMessageBytes: this.options.maxMessageBytes,
          error: (error as Error).message,
        },
      );
    }
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
        kafka: this.newClient(),
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
    return new KafkaDeadLetters(this.admin, () => this.newClient(), this.options);
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

  /**
   * Not ok while the cluster does not answer, or while a binding's consumer is in a crash loop
   * (it then consumes nothing, though the cluster is fine): `crashLoops` names them.
   */
  async health(): Promise<TransportHealth> {
    const crashLoops = [...this.subscriptions].flatMap((s) => {
      const loop = s.crashLoop;
      return loop === undefined ? [] : [{ topic: s.options.topic, group: s.options.group, ...loop }];
    });
    try {
      await this.connect();
      const cluster = await this.admin.describeCluster();
      const details = { brokers: cluster.brokers.length, controller: cluster.controller };
      if (crashLoops.length > 0) return { ok: false, details: { ...details, crashLoops } };
      return { ok: true, details };
    } catch (error) {
      return {
        ok: false,
        details: { error: (error as Error).message, ...(crashLoops.length ? { crashLoops } : {}) },
      };
    }
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
