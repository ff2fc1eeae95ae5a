import type { ConfirmChannel, Message, Options } from 'amqplib';
import { ReusedHeaders } from './reused-headers';

/** A publish the broker refused for good (nack, unroutable): retrying would not help. */
export class BrokerRefusal extends Error {}
/** The channel closed before the broker confirmed: the message may or may not have arrived. */
export class ChannelLost extends Error {}

export interface Outgoing {
  readonly exchange: string;
  readonly routingKey: string;
  readonly content: Buffer;
  readonly options: Options.Publish;
}

function returnKey(exchange: string, routingKey: string, messageId: unknown): string {
  return `${exchange}\0${routingKey}\0${String(messageId)}`;
}

/**
 * A confirm channel with per-message outcomes. The broker sends `basic.return` for an unroutable
 * mandatory message before its `basic.ack`, so a return recorded under the message's exchange,
 * routing key and id turns the following ack into a `BrokerRefusal`. Confirms themselves arrive
 * batched (`multiple`) under load; amqplib maps them back to each message.
 */
export class ConfirmedChannel {
  open = true;
  private readonly returned = new Map<string, number>();
  private drained: Promise<void> | undefined;
  private readonly headers = new ReusedHeaders();

  constructor(readonly channel: ConfirmChannel) {
    channel.on('return', (msg: Message) => {
      const key = returnKey(msg.fields.exchange, msg.fields.routingKey, msg.properties.messageId);
      this.returned.set(key, (this.returned.get(key) ?? 0) + 1);
    });
    channel.on('close', () => {
      this.open = false;
    });
  }

  /** Resolves on the broker's ack; rejects with `BrokerRefusal` or `ChannelLost`. */
  send(item: Outgoing): Promise<void> {
    // Waiting for 'drain' keeps amqplib's write buffer bounded; queued sends keep their order.
    if (this.drained) {
      const after = this.drained.then(() => this.send(item));
      return after;
    }
    return new Promise<void>((resolve, reject) => {
      const { headers } = item.options;
      const options = headers ? { ...item.options, headers: this.headers.fill(headers) } : item.options;
      let accepted: boolean;
      try {
        accepted = this.channel.publish(item.exchange, item.routingKey, item.content, options, (err) => {
          // Returns arrive before the ack: with none recorded this message was routed.
          if (this.returned.size > 0 && this.takeReturn(item)) {
            if (!err)
              return reject(
                new BrokerRefusal(`unroutable: no queue is bound to exchange '${item.exchange}'`),
              );
          }
          if (!err) return resolve();
          if (!this.open || err.message === 'channel closed') return reject(new ChannelLost(err.message));
          reject(new BrokerRefusal(`the broker nacked the message (${err.message})`));
        });
      } catch (err) {
        this.open = false;
        return reject(new ChannelLost((err as Error).message));
      }
      if (!accepted && !this.drained) {
        this.drained = new Promise<void>((done) => {
          const release = () => {
            this.drained = undefined;
            this.channel.off('drain', release);
            this.channel.off('close', release);
            done();
          };
          this.channel.on('drain', release);
          this.channel.on('close', release);
        });
      }
    });
  }

  private takeReturn(item: Outgoing): boolean {
    const key = returnKey(item.exchange, item.routingKey, item.options.messageId);
    const returns = this.returned.get(key) ?? 0;
    if (returns === 0) return false;
    if (returns === 1) this.returned.delete(key);
    else this.returned.set(key, returns - 1);
    return true;
  }

  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await this.channel.close().catch(() => undefined);
  }
}
