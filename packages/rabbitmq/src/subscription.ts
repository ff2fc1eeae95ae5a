import type { ConsumeMessage } from 'amqplib';
import type { DeliveryHandler, Logger, SubscribeOptions, Subscription } from '@polybus/core';
import type { ConnectionManager } from './connection';
import { ConsumerChannel } from './consumer-channel';
import { createDelivery, type DeliveryScope, type HeldRetry } from './delivery';
import { Dispatcher, type Job } from './dispatcher';
import { fromAmqp } from './mapping';
import type { Publisher } from './publisher';
import type { Topology } from './topology';

export interface SubscriptionDeps {
  readonly connection: ConnectionManager;
  readonly topology: Topology;
  readonly publisher: Publisher;
  readonly retryDelaysMs: readonly number[];
  readonly prefetchCap: number | undefined;
  readonly reconnectDelayMs: { initial: number; max: number };
  readonly logger: Logger;
}

interface ChannelJob extends Job {
  readonly channel: ConsumerChannel;
  readonly msg: ConsumeMessage;
}

/**
 * One binding's consumer on its group queue. Declares its topology, consumes with prefetch =
 * concurrency, and whenever its channel closes (connection lost, channel error, consumer
 * cancelled by the broker) opens a new one after a backoff, declares again and resumes; jobs
 * still waiting for a slot on the dead channel are dropped (the broker redelivers them).
 */
export class RabbitSubscription implements Subscription {
  private readonly dispatcher: Dispatcher<ChannelJob>;
  private readonly scope: DeliveryScope;
  private current: { channel: ConsumerChannel; tag: string } | undefined;
  private closed = false;
  private disposed = false;
  private reopening = false;
  /** Wake-ups of held retries, called early on close. */
  private readonly holds = new Set<() => void>();

  constructor(
    private readonly deps: SubscriptionDeps,
    private readonly options: SubscribeOptions,
    private readonly handler: DeliveryHandler,
  ) {
    this.dispatcher = new Dispatcher<ChannelJob>(options.concurrency, options.ordering === 'per-key');
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
    for (const job of this.dispatcher.discard(() => true)) job.channel.requeue(job.msg);
  }

  /** Transport close: after `close`, release the channel (unsettled deliveries go back). */
  async dispose(): Promise<void> {
    await this.close();
    this.disposed = true;
    await this.current?.channel.channel.close().catch(() => undefined);
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
      await channel.channel.close().catch(() => undefined);
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
      channel.channel.close().catch(() => undefined);
      return;
    }
    const message = fromAmqp(msg, this.options.topic);
    const job: ChannelJob = {
      key: message.key,
      channel,
      msg,
      run: async () => {
        // at-most-once: acked before the handler runs, so a crash cannot cause a second delivery.
        if (this.options.guarantee === 'at-most-once' && !channel.ack(msg)) return;
        let attempt: number | undefined;
        for (;;) {
          let held: HeldRetry | undefined;
          const delivery = createDelivery(msg, message, channel, this.scope, (h) => (held = h), attempt);
          await this.handler(delivery).catch((err: Error) =>
            this.deps.logger.error('rabbitmq delivery handler rejected', {
              topic: this.options.topic,
              error: err.message,
            }),
          );
          if (held === undefined) return;
          await this.sleep((held as HeldRetry).delayMs);
          if (this.closed) {
            channel.requeue(msg); // the broker keeps it for the next consumer
            return;
          }
          if (!channel.open) return; // the broker redelivers it on the new channel
          attempt = (held as HeldRetry).attempt;
        }
      },
    };
    this.dispatcher.push(job);
  }

  private sleep(ms: number): Promise<void> {
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
    this.dispatcher.discard((job) => job.channel === channel);
    if (this.current?.channel === channel) this.current = undefined;
    if (this.closed || this.disposed || this.deps.connection.isClosed) return;
    void this.reopen();
  }

  private async reopen(): Promise<void> {
    if (this.reopening) return;
    this.reopening = true;
    let delay = this.deps.reconnectDelayMs.initial;
    try {
      while (!this.closed && !this.deps.connection.isClosed && !this.current) {
        await new Promise((resolve) => setTimeout(resolve, delay));
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
          delay = Math.min(delay * 2, this.deps.reconnectDelayMs.max);
        }
      }
    } finally {
      this.reopening = false;
    }
  }
}
