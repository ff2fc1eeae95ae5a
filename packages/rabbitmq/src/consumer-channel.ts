import type { Channel, ConsumeMessage } from 'amqplib';

/**
 * The channel a delivery arrived on. Delivery tags are only valid on that channel: once it is
 * closed (connection lost, channel error) its unacked messages go back to the queue, and acking
 * them on another channel would be a protocol error, so settling becomes a no-op.
 */
export class ConsumerChannel {
  open = true;

  constructor(readonly channel: Channel) {
    channel.on('close', () => {
      this.open = false;
    });
  }

  ack(msg: ConsumeMessage): boolean {
    return this.settle(() => this.channel.ack(msg));
  }

  /** Back to the queue at once (the broker sets `redelivered`). */
  requeue(msg: ConsumeMessage): boolean {
    return this.settle(() => this.channel.nack(msg, false, true));
  }

  private settle(action: () => void): boolean {
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
