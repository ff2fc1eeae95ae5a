import type { ConsumeMessage } from 'amqplib';
import type { Guarantee, Logger } from '@polybus/core';
import {
  backoffDelay,
  KeyedGate,
  sleep,
  type BackoffPolicy,
  type DeliveryHandler,
  type SubscribeOptions,
  type Subscription,
} from '@polybus/core/transport';
import type { ConnectionManager } from './connection';
import { ConsumerChannel } from './consumer-channel';
import type { DeliveryScope } from './delivery';
import { HandOver, type HandOverHost } from './hand-over';
import { carriesId, fromAmqp } from './wire';
import type { Publisher } from './publisher';
import type { Topology } from './topology';

export interface SubscriptionDeps {
  readonly connection: ConnectionManager;
  readonly topology: Topology;
  readonly publisher: Publisher;
  readonly retryDelaysMs: readonly number[];
  readonly prefetchCap: number | undefined;
  /** Between attempts to reopen a consumer channel the broker closed. */
  readonly reconnect: BackoffPolicy;
  readonly logger: Logger;
}

/**
 * One binding's consumer on its group queue. Declares its topology, consumes with prefetch =
 * concurrency, and whenever its channel closes (connection lost, channel error, consumer
 * cancelled by the broker) opens a new one after a backoff, declares again and resumes; jobs
 * still waiting for a slot on the dead channel are dropped (the broker redelivers them).
 */
export class RabbitSubscription implements Subscription, HandOverHost {
  private readonly gate: KeyedGate<HandOver>;
  readonly scope: DeliveryScope;
  readonly guarantee: Guarantee;
  readonly logger: Logger;
  private current: { channel: ConsumerChannel; tag: string } | undefined;
  closed = false;
  private disposed = false;
  private reopening = false;
  private warnedNoId = false;
  /** Wake-ups of held retries, called early on close. */
  private readonly holds = new Set<() => void>();

  constructor(
    private readonly deps: SubscriptionDeps,
    private readonly options: SubscribeOptions,
    readonly handler: DeliveryHandler,
  ) {
    this.guarantee = options.guarantee;
    this.logger = deps.logger;
    this.gate = new KeyedGate<HandOver>(options.concurrency, options.ordering === 'per-key');
    this.scope = {
      topic: options.topic,
      queue: '',
      guarantee: options.guarantee,
      publisher: deps.publisher,
      topology: deps.topology,
      retryDelaysMs: deps.retryDelaysMs,
      logger: deps.logger,
      holdRetries: options.ordering === 'per-key',
    };
  }

  /** First open: a failing declaration (e.g. a queue with other arguments) rejects `subscribe`. */
  start(): Promise<void> {
    return this.open();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const wake of this.holds) wake();
    const current = this.current;
    if (!current) return;
    await current.channel.channel.cancel(current.tag).catch(() => undefined);
    for (const job of this.gate.discard(() => true)) job.channel.requeue(job.msg);
  }

  /** Transport close: after `close`, release the channel (unsettled deliveries go back). */
  async dispose(): Promise<void> {
    await this.close();
    this.disposed = true;
    await this.current?.channel.close();
  }

  private async open(): Promise<void> {
    const { topology, connection } = this.deps;
    const { topic, group, deadLetterTopic, ordering, concurrency } = this.options;
    const queue = await topology.groupQueue({
      topic,
      group,
      deadLetterTopic,
      singleActiveConsumer: ordering === 'per-key',
    });
    (this.scope as { queue: string }).queue = queue;
    const channel = new ConsumerChannel(await connection.createChannel());
    channel.channel.on('close', () => this.onChannelClosed(channel));
    if (this.closed) {
      await channel.close();
      return;
    }
    await channel.channel.prefetch(Math.min(concurrency, this.deps.prefetchCap ?? concurrency));
    const { consumerTag } = await channel.channel.consume(queue, (msg) => this.onMessage(channel, msg), {
      noAck: false,
    });
    if (!channel.open) throw new Error('channel closed while starting the consumer');
    this.current = { channel, tag: consumerTag };
  }

  private onMessage(channel: ConsumerChannel, msg: ConsumeMessage | null): void {
    if (msg === null) {
      // Cancelled by the broker (queue deleted, node down): start over on a fresh channel.
      void channel.close();
      return;
    }
    channel.received(msg);
    if (this.options.idempotent && !this.warnedNoId && !carriesId(msg)) this.warnNoId();
    this.gate.push(new HandOver(this, channel, msg, fromAmqp(msg, this.options.topic)));
  }

  /** Once per subscription: an exactly-once binding reads messages it cannot recognise again. */
  private warnNoId(): void {
    this.warnedNoId = true;
    this.deps.logger.warn(
      'rabbitmq message without message_id on an idempotent binding: a broker redelivery of it (after a consumer crash) cannot be recognised as a duplicate; the producer should set message_id or the polybus-idempotency-key header',
      { topic: this.options.topic, group: this.options.group },
    );
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.holds.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.holds.add(wake);
    });
  }

  private onChannelClosed(channel: ConsumerChannel): void {
    this.gate.discard((job) => job.channel === channel);
    if (this.current?.channel === channel) this.current = undefined;
    if (this.closed || this.disposed || this.deps.connection.isClosed) return;
    void this.reopen();
  }

  private async reopen(): Promise<void> {
    if (this.reopening) return;
    this.reopening = true;
    try {
      for (let attempt = 1; !this.closed && !this.deps.connection.isClosed && !this.current; attempt++) {
        await sleep(backoffDelay(attempt, this.deps.reconnect));
        try {
          await this.open();
          this.deps.logger.info('rabbitmq consumer resumed', {
            topic: this.options.topic,
            group: this.options.group,
          });
        } catch (err) {
          this.deps.logger.warn('rabbitmq consumer cannot resume yet', {
            topic: this.options.topic,
            error: (err as Error).message,
          });
        }
      }
    } finally {
      this.reopening = false;
    }
  }
}
