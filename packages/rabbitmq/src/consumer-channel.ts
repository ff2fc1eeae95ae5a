import type { Channel, ConsumeMessage, Message } from 'amqplib';

/**
 * The channel a delivery arrived on. Delivery tags are only valid on that channel: once it is
 * closed (connection lost, channel error) its unacked messages go back to the queue, and acking
 * them on another channel would be a protocol error, so settling becomes a no-op.
 *
 * Acks are batched: each one is recorded at once and sent at the end of the event-loop turn,
 * as one `multiple` ack up to the highest acked tag below every unsettled one, plus single acks
 * for the rest (a frame and a socket write per message were the largest cost of consuming).
 * Every delivery must be `received` first so that a `multiple` ack never covers a message whose
 * handler still runs; tags grow with each delivery, so the first unsettled one is the lowest.
 */
export class ConsumerChannel {
  open = true;
  private readonly unsettled = new Set<number>();
  private acks: number[] = [];
  private flushing: NodeJS.Immediate | undefined;

  constructor(readonly channel: Channel) {
    channel.on('close', () => {
      this.open = false;
    });
  }

  received(msg: ConsumeMessage): void {
    this.unsettled.add(msg.fields.deliveryTag);
  }

  /** Recorded now, sent at the end of this turn (or before `close`). False once closed. */
  ack(msg: ConsumeMessage): boolean {
    if (!this.open) return false;
    const tag = msg.fields.deliveryTag;
    this.unsettled.delete(tag);
    this.acks.push(tag);
    this.flushing ??= setImmediate(this.flush);
    return true;
  }

  /** Sent at once: at-most-once acks before the handler runs. */
  ackNow(msg: ConsumeMessage): boolean {
    if (!this.open) return false;
    this.unsettled.delete(msg.fields.deliveryTag);
    return this.attempt(() => this.channel.ack(msg));
  }

  /** Back to the queue at once (the broker sets `redelivered`). */
  requeue(msg: ConsumeMessage): boolean {
    if (!this.open) return false;
    this.unsettled.delete(msg.fields.deliveryTag);
    return this.attempt(() => this.channel.nack(msg, false, true));
  }

  /** Sends the recorded acks, then closes the channel (its unacked messages go back). */
  async close(): Promise<void> {
    this.flush();
    await this.channel.close().catch(() => undefined);
  }

  private readonly flush = (): void => {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    const acks = this.acks;
    if (acks.length === 0) return;
    this.acks = [];
    const lowest: number = this.unsettled.values().next().value ?? Infinity;
    let upTo = 0;
    for (const tag of acks) if (tag < lowest && tag > upTo) upTo = tag;
    this.attempt(() => {
      if (upTo > 0) this.channel.ack(tagged(upTo), true);
      for (const tag of acks) if (tag > lowest) this.channel.ack(tagged(tag));
    });
  };

  private attempt(action: () => void): boolean {
    if (!this.open) return false;
    try {
      action();
      return true;
    } catch {
      this.open = false; // amqplib throws IllegalOperationError on a channel closing under us
      return false;
    }
  }
}

/** amqplib reads only the delivery tag of the message it acks. */
function tagged(deliveryTag: number): Message {
  return { fields: { deliveryTag } } as Message;
}
