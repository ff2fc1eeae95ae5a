import type { Message as SqsMessage, SQSClient } from '@aws-sdk/client-sqs';
import type { Logger, MessageHeaders, TransportMessage } from '@polybus/core';
import {
  copyWithHeaders,
  fitWithin,
  KeySerializer,
  Slots,
  settleForgotten,
  type DeliveryHandler,
  type SubscribeOptions,
  type Subscription,
} from '@polybus/core/transport';
import type { AttemptMemory } from './attempt-memory';
import { SqsDelivery, type DeliverySettler } from './delivery';
import type { Heartbeat } from './heartbeat';
import { HeldMessage } from './held-message';
import { ReceiveLoop } from './receive-loop';
import type { Publisher } from './publisher';
import { reasonOf } from './publisher';
import type { Queue } from './queues';
import type { Settler } from './settler';
import { attemptOf, decodeMessage, wireBytes } from './wire';

export interface SubscriptionContext {
  readonly client: SQSClient;
  readonly settler: Settler;
  readonly heartbeat: Heartbeat;
  readonly publisher: Publisher;
  readonly attempts: AttemptMemory;
  readonly logger: Logger;
  readonly waitTimeSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly pollers?: number;
}

const RESOLVED = Promise.resolve();

/**
 * Several long-polling loops feed one handler. `slots` counts received, unsettled messages, and a
 * loop asks only for as many as `concurrency` leaves room for, so the handler never has more than
 * `concurrency` deliveries unsettled and no message waits invisible in memory beyond that.
 */

export class SqsSubscription implements Subscription, DeliverySettler<HeldMessage> {
  private readonly slots: Slots;
  private closing: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private readonly loops: Promise<void>[] = [];
  private readonly serializer = new KeySerializer<HeldMessage>((m) => this.hand(m));
  private readonly atMostOnce: boolean;

  constructor(
    private readonly ctx: SubscriptionContext,
    readonly queue: Queue,
    readonly options: SubscribeOptions,
    private readonly handler: DeliveryHandler,
  ) {
    this.atMostOnce = options.guarantee === 'at-most-once';
    this.slots = new Slots(options.concurrency);
  }

  start(): void {
    const count = this.ctx.pollers ?? Math.min(10, Math.max(1, Math.ceil(this.options.concurrency / 10)));
    const loop = new ReceiveLoop({
      client: this.ctx.client,
      queue: this.queue,
      slots: this.slots,
      signal: this.abort.signal,
      logger: this.ctx.logger,
      waitTimeSeconds: this.ctx.waitTimeSeconds,
      visibilityTimeoutSeconds: this.ctx.visibilityTimeoutSeconds,
      accept: (messages, max) => this.accept(messages, max),
    });
    for (let i = 0; i < count; i++) this.loops.push(loop.run());
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.abort.abort(); // also ends the loops' waits for a slot or a backoff
      await Promise.allSettled(this.loops);
      // Received but never handed over: give them back at once instead of after the visibility timeout.
      this.release(this.serializer.dropAllWaiting());
    })();
    return this.closing;
  }

  private get closed(): boolean {
    return this.abort.signal.aborted;
  }

  /** Counts, tracks and hands over one receive's messages; `max` slots were reserved for it. */
  private accept(messages: SqsMessage[], max: number): void {
    const now = performance.now(); // one clock read per receive: they were all made invisible together
    const held: HeldMessage[] = [];
    for (const sqs of messages) {
      if (sqs.ReceiptHandle === undefined) continue;
      const m = new HeldMessage(sqs, this.queue.url, sqs.ReceiptHandle, this.serialKeyOf(sqs));
      this.ctx.heartbeat.track(m, now);
      held.push(m);
    }
    this.slots.give(max - held.length);
    if (this.closed) return this.release(held);
    for (const m of held) {
      if (this.atMostOnce) m.deleted = this.deleteFirst(m);
      this.serializer.push(m.serialKey, m);
    }
  }

  private serialKeyOf(sqs: SqsMessage): string | undefined {
    if (this.queue.fifo) return sqs.Attributes?.MessageGroupId ?? '';
    if (this.options.ordering === 'per-key') return decodeMessage(this.options.topic, sqs).message.key;
    return undefined;
  }

  /** At-most-once: the message is deleted before its handler may run. */
  private deleteFirst(m: HeldMessage): Promise<boolean> {
    return this.ctx.settler.delete(this.queue.url, m.handle).then(
      () => true,
      (error: unknown) => {
        this.ctx.logger.warn('sqs: at-most-once delete failed; not handing the message over', {
          error: reasonOf(error),
        });
        return false;
      },
    );
  }

  /** At-most-once waits for the message's delete: one whose delete failed is settled without its handler. */
  private hand(m: HeldMessage): void {
    if (m.deleted === undefined) return this.deliver(m);
    void m.deleted.then((deleted) => (deleted ? this.deliver(m) : this.settled(m)));
  }

  /** Hands one message to the handler, and gives it back if the handler left it unsettled. */
  private deliver(m: HeldMessage): void {
    let delivery: SqsDelivery<HeldMessage> | undefined;
    let run: Promise<void>;
    try {
      const { message, headerProblem } = decodeMessage(this.options.topic, m.sqs);
      if (headerProblem !== undefined)
        this.ctx.logger.warn(`sqs: ${headerProblem}; delivering with attribute headers only`, {
          id: message.id,
        });
      const messageId = m.sqs.MessageId ?? '';
      const attempt = Math.max(attemptOf(m.sqs, message.headers), this.ctx.attempts.recall(messageId));
      delivery = new SqsDelivery(message, attempt, messageId, m, this);
      run = this.handler(delivery);
    } catch (error) {
      run = Promise.reject(error);
    }
    run.then(
      () => this.forgotten(m, delivery),
      (error: unknown) => {
        this.ctx.logger.error('sqs: delivery handler rejected', { error: reasonOf(error) });
        this.forgotten(m, delivery);
      },
    );
  }

  /** After the handler: a message it left unsettled is given back (see the kit's `settleForgotten`). */
  private forgotten(m: HeldMessage, delivery: SqsDelivery<HeldMessage> | undefined): void {
    // Not even handed over (it could not be read): it comes back after its visibility timeout.
    if (delivery === undefined) return this.settled(m);
    void settleForgotten(delivery, delivery.isSettled, this.ctx.logger, 'sqs');
  }

  /**
   * DeliverySettler: the slot frees at once and the delete rides the next DeleteMessageBatch. The
   * ack does not wait for it: a failed delete is logged and the message comes back after its
   * visibility timeout (at-least-once allows that), and the delivery's objects need not live for
   * another round trip. Closing the transport flushes the deletes still pending.
   */
  ack(m: HeldMessage, messageId: string): Promise<void> {
    this.ctx.attempts.forget(messageId);
    this.settled(m);
    if (!this.atMostOnce) this.ctx.settler.deleteSoon(this.queue.url, m.handle, this.deleteFailed);
    return RESOLVED;
  }

  private readonly deleteFailed = (error: Error): void =>
    this.ctx.logger.warn('sqs: delete failed; the message will be delivered again', {
      error: reasonOf(error),
    });

  /** DeliverySettler: the message becomes visible again after the delay (rounded up to seconds). */
  async nack(
    m: HeldMessage,
    messageId: string,
    delayMs: number | undefined,
    attempt: number | undefined,
  ): Promise<void> {
    if (this.atMostOnce) return this.settled(m);
    if (attempt !== undefined) this.ctx.attempts.remember(messageId, attempt);
    // FIFO: later messages of the group must not overtake this one; SQS keeps them back while it is invisible.
    if (m.serialKey !== undefined) this.release(this.serializer.dropWaiting(m.serialKey));
    const seconds = Math.min(43_200, Math.ceil(Math.max(0, delayMs ?? 0) / 1000));
    await this.ctx.settler
      .changeVisibility(this.queue.url, m.handle, seconds)
      .catch((error: unknown) => this.ctx.logger.warn('sqs: nack failed', { error: reasonOf(error) }))
      .finally(() => this.settled(m));
  }

  /** DeliverySettler: the copy goes to the dead-letter queue first, then the original is deleted. */
  async deadLetter(
    m: HeldMessage,
    messageId: string,
    message: TransportMessage,
    topic: string,
    headers: MessageHeaders,
  ): Promise<void> {
    this.ctx.attempts.forget(messageId);
    try {
      const copy = copyWithHeaders(message, headers, topic);
      // A dead letter must fit, or it would fail on every receive and never leave the queue.
      const fitted = fitWithin(copy, await this.ctx.publisher.maxMessageBytesFor(topic), wireBytes);
      await this.ctx.publisher.publish([fitted], 'at-least-once');
      if (!this.atMostOnce)
        await this.ctx.settler
          .delete(this.queue.url, m.handle)
          .catch((error: unknown) =>
            this.ctx.logger.warn('sqs: delete after dead letter failed', { error: reasonOf(error) }),
          );
    } finally {
      this.settled(m);
    }
  }

  private settled(m: HeldMessage): void {
    this.ctx.heartbeat.untrack(m);
    if (m.serialKey !== undefined) this.serializer.done(m.serialKey);
    this.slots.give();
  }

  private release(messages: HeldMessage[]): void {
    for (const m of messages) {
      this.ctx.heartbeat.untrack(m);
      if (m.deleted !== undefined) continue; // at-most-once: already gone from the queue
      this.ctx.settler
        .changeVisibility(this.queue.url, m.handle, 0)
        .catch((error: unknown) => this.ctx.logger.debug('sqs: release failed', { error: reasonOf(error) }));
    }
    this.slots.give(messages.length);
  }
}
