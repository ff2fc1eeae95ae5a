import {
  ConfigurationError,
  ConnectionError,
  GuaranteeNotSupportedError,
  type Guarantee,
  type Transport,
  type TransportCapabilities,
  type TransportHealth,
  type TransportMessage,
} from '@polybus/core';
import {
  OutageLog,
  withoutCredentials,
  withTimeout,
  type DeadLetterAccess,
  type DeliveryHandler,
  type SubscribeOptions,
  type Subscription,
} from '@polybus/core/transport';
import Redis from 'ioredis';
import { redisBacklog } from './backlog';
import { RedisDeadLetters } from './dead-letters';
import { resolveOptions, type RedisStreamsOptions, type ResolvedOptions } from './options';
import { Publisher } from './publisher';
import { StreamSubscription } from './subscription';

const capabilities: TransportCapabilities = {
  consumerGroups: true,
  competingConsumers: true,
  // A stream is not partitioned: members of one group read entries of one key concurrently, and a
  // nacked entry is retried while later ones proceed. Claiming per-key order would be a lie.
  perKeyOrdering: false,
  transactions: false,
  nativeDeduplication: false,
  delayedRedelivery: true,
  persistent: true,
};

/**
 * Redis Streams transport: one stream per topic, one consumer group per binding group. Publishing
 * pipelines XADDs on a shared connection; each subscription reads with XREADGROUP BLOCK on its own
 * connection (a blocked connection cannot carry other commands) and acks with batched XACKs.
 */
export function redisStreamsTransport(options: RedisStreamsOptions): Transport {
  return new RedisStreamsTransport(resolveOptions(options));
}

/** How long health waits for PING before it says not ok. */
const HEALTH_PING_MS = 2_000;

class RedisStreamsTransport implements Transport {
  readonly name = 'redis-streams';
  readonly capabilities = capabilities;
  private commands?: Redis;
  private publisher?: Publisher;
  private readonly subscriptions = new Set<StreamSubscription>();
  private readonly blockers = new Set<Redis>();
  private closing?: Promise<void>;

  constructor(private readonly config: ResolvedOptions) {}

  async connect(): Promise<void> {
    if (this.commands) return;
    const { connectTimeoutMs } = this.config;
    const commands =
      this.config.redis ??
      new Redis(this.config.url!, { lazyConnect: true, connectTimeout: connectTimeoutMs });
    if (!this.config.redis) {
      // ioredis reconnects by itself; without a listener it would print every socket error. One
      // warning per outage, not one per reconnect attempt; the rest go to debug.
      const outage = new OutageLog(this.config.logger, {
        lost: 'redis-streams: connection lost, reconnecting',
        back: 'redis-streams: reconnected',
      });
      commands.on('error', (error: Error) => outage.failed(error));
      commands.on('ready', () => outage.succeeded());
    }
    this.commands = commands;
    this.publisher = new Publisher(commands, this.config);
    if (commands.status !== 'wait') return;
    try {
      // ioredis's connectTimeout covers the TCP connect; a server that accepts and then says nothing
      // would leave its ready check waiting: bounded here.
      await withTimeout(
        commands.connect(),
        connectTimeoutMs,
        () => new Error(`no answer within connectTimeoutMs ${connectTimeoutMs} ms`),
      );
    } catch (cause) {
      // Not kept: ioredis would go on reconnecting, and publishes would queue behind it unanswered.
      // A client the application gave us is its own to keep or close.
      if (!this.config.redis) commands.disconnect();
      this.commands = undefined;
      this.publisher = undefined;
      throw new ConnectionError(
        'Redis',
        this.config.url === undefined ? 'the given ioredis client' : withoutCredentials(this.config.url),
        (cause as Error).message,
        'check that Redis runs there and that the URL has the right password, database and TLS (rediss://)',
        { cause },
      );
    }
  }

  async publish(messages: readonly TransportMessage[], options: { guarantee: Guarantee }): Promise<void> {
    await this.publisher!.publish(messages, options.guarantee);
  }

  validateSubscription(options: SubscribeOptions): void {
    if (options.ordering === 'per-key') {
      throw new GuaranteeNotSupportedError(this.name, options.guarantee, perKeyRefusal(options.topic));
    }
    if (options.guarantee === 'exactly-once' && !options.idempotent) {
      throw new GuaranteeNotSupportedError(
        this.name,
        options.guarantee,
        `exactly-once on '${options.topic}' needs an idempotency store on redis-streams (at-least-once delivery + idempotent processing)`,
      );
    }
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
      throw new ConfigurationError(
        'concurrency',
        `must be an integer >= 1, got ${String(options.concurrency)}`,
      );
    }
  }

  async subscribe(options: SubscribeOptions, handler: DeliveryHandler): Promise<Subscription> {
    this.validateSubscription(options);
    if (this.closing) throw new ConfigurationError('subscribe', 'the transport is closed');
    const blocker = this.newBlockingConnection();
    const subscription = new StreamSubscription(options, handler, this.commands!, blocker, this.config);
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (error) {
      this.subscriptions.delete(subscription);
      await subscription.close();
      throw error;
    }
    return subscription;
  }

  /** XRANGE / XDEL on the command connection (see `RedisDeadLetters`). */
  deadLetters(): DeadLetterAccess {
    return new RedisDeadLetters(() => this.commands);
  }

  /** The group's lag plus its pending entries, from XINFO GROUPS on the command connection (see `redisBacklog`). */
  async backlog(subscription: { topic: string; group: string }): Promise<number | undefined> {
    if (this.commands?.status !== 'ready') return undefined;
    return redisBacklog(this.commands, subscription);
  }

  /** Ok when the command connection is ready and answers PING (a reconnecting one would queue it). */
  async health(): Promise<TransportHealth> {
    const status = this.commands?.status ?? 'not connected';
    if (status !== 'ready') return { ok: false, details: { connection: status } };
    let timer: NodeJS.Timeout | undefined;
    try {
      // A PING sent as the socket dies waits for the reconnect (ioredis resends it): bounded here.
      const unanswered = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`PING unanswered after ${HEALTH_PING_MS} ms`)),
          HEALTH_PING_MS,
        );
      });
      await Promise.race([this.commands!.ping(), unanswered]);
      return {
        ok: true,
        details: { consumer: this.config.consumerName, subscriptions: this.subscriptions.size },
      };
    } catch (error) {
      return { ok: false, details: { error: String(error) } };
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const subscriptions = [...this.subscriptions];
    await Promise.all(subscriptions.map((s) => s.close()));
    await Promise.all(subscriptions.map((s) => s.drainAcks()));
    // Subscriptions disconnected theirs; a second disconnect would leave a 2 s ioredis timer behind.
    this.blockers.forEach((b) => b.status !== 'end' && b.disconnect());
    // Let fire-and-forget publishes and last acks reach the server before the connection goes.
    if (this.commands && !this.config.redis)
      await this.commands.quit().catch(() => this.commands!.disconnect());
  }

  /** Blocking reads need a connection of their own, without a command timeout that would cut BLOCK. */
  private newBlockingConnection(): Redis {
    const overrides = {
      commandTimeout: undefined,
      blockingTimeout: undefined,
      enableAutoPipelining: false,
      lazyConnect: false,
    };
    const blocker = this.config.redis
      ? this.config.redis.duplicate(overrides)
      : new Redis(this.config.url!, overrides);
    blocker.on('error', (error: Error) =>
      this.config.logger.debug('redis-streams: blocking connection error', { error: error.message }),
    );
    this.blockers.add(blocker);
    return blocker;
  }
}

function perKeyRefusal(topic: string): string {
  return (
    `ordering: 'per-key' on '${topic}': Redis streams are not partitioned, so members of a group ` +
    `can process two entries of one key at once; use ordering: 'none' or a transport that partitions by key`
  );
}
