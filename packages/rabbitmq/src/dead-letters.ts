import { once } from 'node:events';
import type { Channel, ConsumeMessage, GetMessage } from 'amqplib';
import { ConfigurationError, Headers, PolybusError } from '@polybus/core';
import type { DeadLetterAccess, DeadLetterBatch, StoredDeadLetter } from '@polybus/core/transport';
import type { ConnectionManager } from './connection';
import { retainedQueueName } from './naming';
import { fromAmqp, toAmqp } from './wire';

/**
 * Dead letters as the retention queue `polybus.retained.<d>` keeps them (see `naming.ts`).
 *
 * `browse` opens a channel of its own and takes up to `limit` letters with `basic.get`, unacked:
 * the batch holds them, so the next browse (on its own channel) gets the letters after them, and
 * nobody else gets them meanwhile. `remove` acks the refs (delivery tags) and resolves once the
 * broker has handled the acks; `release` closes the channel, and the broker puts every unacked
 * letter back where it was, as it does when the reader's connection or process dies (a quorum
 * queue puts them back at its head in the order they are released: release pages oldest first).
 * A batch whose channel closed (connection lost) has given its letters back: `remove` then rejects.
 *
 * The retention queue keeps every letter until it is removed here (or bounded by a policy the
 * operator sets on it): a binding on the dead-letter topic has a group queue of its own.
 *
 * A topic without a retention queue is refused with a `ConfigurationError`, not read as empty: the
 * queue is declared as soon as a binding that dead-letters to the topic starts, so a missing one
 * means a mistyped name far more often than no letters, and browsing must not create it.
 */
export class RabbitDeadLetters implements DeadLetterAccess {
  constructor(private readonly connection: ConnectionManager) {}

  async browse(deadLetterTopic: string, options: { limit: number }): Promise<DeadLetterBatch> {
    const queue = retainedQueueName(deadLetterTopic);
    const channel = await this.connection.createChannel();
    const batch = new RetainedBatch(channel, queue);
    try {
      await channel.checkQueue(queue);
      for (const msg of await take(channel, queue, options.limit)) batch.hold(msg, deadLetterTopic);
    } catch (error) {
      await batch.release();
      if ((error as { code?: unknown }).code !== 404) throw error;
      throw new ConfigurationError(
        'deadLetterTopic',
        `'${deadLetterTopic}' has no retention queue '${queue}' on this broker (it is declared when a binding that dead-letters to it starts): check the topic name`,
        { cause: error },
      );
    }
    if (batch.letters.length === 0) await batch.release();
    return batch;
  }
}

class RetainedBatch implements DeadLetterBatch {
  readonly removesEach = true;
  readonly letters: StoredDeadLetter[] = [];
  private readonly held = new Map<string, GetMessage>();
  private open = true;

  constructor(
    private readonly channel: Channel,
    private readonly queue: string,
  ) {
    channel.on('close', () => (this.open = false));
  }

  hold(msg: GetMessage, topic: string): void {
    const ref = String(msg.fields.deliveryTag);
    const message = fromAmqp(asDelivered(msg), topic);
    const failedAt = Date.parse(message.headers[Headers.dlqFailedAt] ?? '');
    this.held.set(ref, msg);
    this.letters.push(Number.isFinite(failedAt) ? { ref, message, storedAt: failedAt } : { ref, message });
  }

  async remove(refs: readonly string[]): Promise<void> {
    const acked = refs.filter((ref) => this.held.has(ref));
    if (acked.length === 0) return;
    if (!this.open)
      throw new PolybusError(
        'POLYBUS_RABBITMQ_BATCH_CLOSED',
        `the channel of this batch closed: its letters are back in '${this.queue}'; browse again`,
      );
    for (const ref of acked) {
      this.channel.ack(this.held.get(ref)!);
      this.held.delete(ref);
    }
    // basic.ack has no reply; the broker handles a channel's frames in order, so once this one
    // is answered the letters are gone.
    await this.channel.checkQueue(this.queue);
  }

  async release(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    this.held.clear();
    await this.channel.close().catch(() => undefined);
  }
}

/** `fromAmqp` reads only the fields a `basic.get` answer shares with a delivery. */
const asDelivered = (msg: GetMessage): ConsumeMessage => msg as unknown as ConsumeMessage;

/** Up to `limit` ready messages of `queue`, unacked, in queue order. */
async function take(channel: Channel, queue: string, limit: number): Promise<GetMessage[]> {
  const taken: GetMessage[] = [];
  while (taken.length < limit) {
    const msg = await channel.get(queue, { noAck: false });
    if (msg === false) break;
    taken.push(msg);
    if (msg.fields.messageCount === 0) break;
  }
  return taken;
}

/**
 * Whether declaring `queue`, a group queue of `topic`, needs `copyRetainedLetters`: `topic` has a
 * retention queue (it is a dead-letter topic) and `queue` does not exist yet. Passive declares on
 * a channel of their own, since a 404 closes the channel it comes on.
 */
export async function isNewGroupOfRetainedTopic(
  connection: ConnectionManager,
  topic: string,
  queue: string,
): Promise<boolean> {
  const channel = await connection.createChannel();
  const exists = (name: string) =>
    channel.checkQueue(name).then(
      () => true,
      (error: { code?: unknown }) => (error?.code === 404 ? false : Promise.reject(error)),
    );
  try {
    return (await exists(retainedQueueName(topic))) && !(await exists(queue));
  } finally {
    await channel.close().catch(() => undefined);
  }
}

/**
 * Issue 24: a binding on a dead-letter topic gets the letters retained before its group queue
 * existed, as a new consumer group of a Kafka topic or Redis stream reads it from the start.
 * Called once the new group queue is declared and bound: the letters ready in the retention queue
 * then are copied into it (decoded and encoded as every Polybus copy is), in order, confirmed, and
 * given back to the retention queue, which keeps them for `deadLetters()` and for the next new
 * group. A letter dead-lettered between the binding and the count comes twice (at-least-once);
 * letters a reader holds at that moment are not copied. A process that dies mid-copy leaves the
 * queue with part of them (it is no longer new on the next start).
 */
export async function copyRetainedLetters(
  connection: ConnectionManager,
  topic: string,
  queue: string,
): Promise<number> {
  const source = retainedQueueName(topic);
  const reader = await connection.createChannel();
  try {
    const { messageCount } = await reader.checkQueue(source);
    const letters = await take(reader, source, messageCount);
    if (letters.length === 0) return 0;
    const writer = await connection.createConfirmChannel();
    try {
      const mode = { confirmed: true, copy: true, user: connection.user };
      for (const msg of letters) {
        const { options } = toAmqp(fromAmqp(asDelivered(msg), topic), mode);
        if (!writer.publish('', queue, msg.content, options)) await once(writer, 'drain');
      }
      await writer.waitForConfirms();
    } finally {
      await writer.close().catch(() => undefined);
    }
    return letters.length;
  } finally {
    // Unacked: the broker puts them back in the retention queue, in their order.
    await reader.close().catch(() => undefined);
  }
}
