import type { Channel } from 'amqplib';
import { PublishError, type Guarantee, type TransportMessage } from '@polybus/core';
import { payloadBuffer } from '@polybus/core/transport';
import { BrokerRefusal, ChannelLost, ConfirmedChannel, type Outgoing } from './confirm-channel';
import type { ConnectionManager } from './connection';
import { toAmqp } from './wire';
import type { WriteMode } from './properties';
import { ReusedHeaders } from './reused-headers';
import type { Topology } from './topology';

class DeadlinePassed extends Error {}

/**
 * Publishes on the publishing connection. at-most-once: a plain channel, no confirm, no
 * mandatory flag (fire and forget). at-least-once / exactly-once: a confirm channel, persistent,
 * `mandatory` so that a message no queue would keep fails with `PublishError` instead of
 * vanishing. A publish whose channel is lost before the confirm is sent again on the next
 * channel (at-least-once may duplicate); all of it within `publishTimeoutMs`, after which the
 * publish fails, so an outage never builds an unbounded buffer.
 */
export class Publisher {
  private confirm: Promise<ConfirmedChannel> | undefined;
  private plain: Promise<Channel> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly plainHeaders = new ReusedHeaders();
  private readonly modes: Readonly<Record<'plain' | 'confirmed' | 'copy', WriteMode>>;

  constructor(
    private readonly connection: ConnectionManager,
    private readonly topology: Topology,
    private readonly timeoutMs: number,
  ) {
    const { user } = connection;
    this.modes = {
      plain: { confirmed: false, copy: false, user },
      confirmed: { confirmed: true, copy: false, user },
      copy: { confirmed: true, copy: true, user },
    };
  }

  async publish(messages: readonly TransportMessage[], guarantee: Guarantee): Promise<void> {
    if (messages.length === 0) return;
    const confirmed = guarantee !== 'at-most-once';
    const topic = messages[0].topic;
    const deadline = Date.now() + this.timeoutMs;
    const topics = [...new Set(messages.map((m) => m.topic))];
    await this.guard(topic, deadline, Promise.all(topics.map((t) => this.topology.exchange(t))));
    const mode = confirmed ? this.modes.confirmed : this.modes.plain;
    const items = messages.map((m): Outgoing => {
      const { routingKey, options } = toAmqp(m, mode);
      // AMQP carries bytes: text from the JSON codec is encoded here, once.
      return { exchange: m.topic, routingKey, content: payloadBuffer(m.payload), options };
    });
    if (confirmed) return this.sendConfirmed(topic, items, deadline);
    const channel = await this.guard(topic, deadline, this.plainChannel());
    try {
      for (const { exchange, routingKey, content, options } of items)
        channel.publish(exchange, routingKey, content, {
          ...options,
          headers: options.headers && this.plainHeaders.fill(options.headers),
        });
    } catch (cause) {
      throw new PublishError(topic, `channel closed: ${(cause as Error).message}`, { cause });
    }
  }

  /**
   * A copy of a consumed message (retry, dead letter) for `sendConfirmed`: to `exchange` with
   * `routingKey`, else the message's own key.
   */
  copy(message: TransportMessage, exchange: string, routingKey?: string): Outgoing {
    const amqp = toAmqp(message, this.modes.copy);
    return {
      exchange,
      routingKey: routingKey ?? amqp.routingKey,
      content: payloadBuffer(message.payload),
      options: amqp.options,
    };
  }

  /** Confirmed, mandatory publish of prepared messages (retries and dead letters use this too). */
  sendConfirmed(
    topic: string,
    items: readonly Outgoing[],
    deadline = Date.now() + this.timeoutMs,
  ): Promise<void> {
    const work = this.confirmLoop(topic, items, deadline);
    this.inFlight.add(work);
    const forget = () => this.inFlight.delete(work);
    work.then(forget, forget);
    return work;
  }

  /** Waits for publishes in flight (so close flushes), then closes the channels. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    const confirm = this.confirm;
    const plain = this.plain;
    this.confirm = this.plain = undefined;
    await confirm?.then((c) => c.close()).catch(() => undefined);
    await plain?.then((c) => c.close()).catch(() => undefined);
  }

  private async confirmLoop(topic: string, items: readonly Outgoing[], deadline: number): Promise<void> {
    let pending = items;
    let lastLoss = '';
    for (;;) {
      if (Date.now() >= deadline)
        throw new PublishError(
          topic,
          `not confirmed within ${this.timeoutMs} ms (connection lost: ${lastLoss})`,
        );
      const channel = await this.guard(topic, deadline, this.confirmChannel());
      const results = await this.guard(
        topic,
        deadline,
        Promise.allSettled(pending.map((item) => channel.send(item))),
      );
      const lost: Outgoing[] = [];
      results.forEach((result, i) => {
        if (result.status === 'fulfilled') return;
        if (!(result.reason instanceof ChannelLost)) {
          const reason =
            result.reason instanceof BrokerRefusal ? result.reason.message : String(result.reason);
          throw new PublishError(pending[i].exchange || topic, reason, { cause: result.reason });
        }
        lastLoss = result.reason.message;
        lost.push(pending[i]);
      });
      if (lost.length === 0) return;
      pending = lost;
    }
  }

  private confirmChannel(): Promise<ConfirmedChannel> {
    const cached = this.confirm;
    if (cached) {
      return cached.then((c) => {
        if (c.open) return c;
        if (this.confirm === cached) this.confirm = undefined;
        return this.confirmChannel();
      });
    }
    const created = this.connection.createConfirmChannel().then((ch) => new ConfirmedChannel(ch));
    this.confirm = created;
    created.catch(() => this.confirm === created && (this.confirm = undefined));
    return created;
  }

  private plainChannel(): Promise<Channel> {
    if (!this.plain) {
      const created = this.connection.createChannel();
      this.plain = created;
      const reset = () => this.plain === created && (this.plain = undefined);
      created.then((ch) => ch.on('close', reset), reset);
    }
    return this.plain;
  }

  /** Bounds any wait of a publish by its deadline (a connection that does not come back). */
  private async guard<T>(topic: string, deadline: number, work: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new DeadlinePassed()), Math.max(0, deadline - Date.now()));
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (cause) {
      if (cause instanceof DeadlinePassed)
        throw new PublishError(topic, `broker unavailable: not done within ${this.timeoutMs} ms`);
      if (cause instanceof PublishError) throw cause;
      throw new PublishError(topic, (cause as Error).message, { cause });
    } finally {
      clearTimeout(timer);
    }
  }
}
