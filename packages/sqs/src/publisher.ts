import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { Headers, PublishError, type Guarantee, type Logger, type TransportMessage } from '@polybus/core';
import { Batcher } from './batcher';
import type { Queue, QueueRegistry } from './queues';
import { sqsId } from './sqs-ids';
import { encodeMessage, type EncodedMessage } from './wire';

export interface PublisherOptions {
  readonly lingerMs: number;
  readonly maxMessageBytes: number;
  readonly defaultMessageGroupId: string;
  /** A SendMessageBatch not answered in this time is aborted: its messages fail with `PublishError`. */
  readonly publishTimeoutMs: number;
  readonly logger: Logger;
}

interface Outgoing {
  readonly topic: string;
  /** Its `Id` is set when a batch is cut: the item's index in that batch. */
  readonly entry: SendMessageBatchRequestEntry;
  readonly bytes: number;
}

// Entries SQS failed on its own side (SenderFault false) are sent again this many times.
const ENTRY_ATTEMPTS = 3;

/** Publishes through one SendMessageBatch batcher per queue; each message settles with its own entry. */
export class Publisher {
  private readonly batchers = new Map<string, Batcher<Outgoing>>();

  constructor(
    private readonly client: SQSClient,
    private readonly queues: QueueRegistry,
    private readonly options: PublisherOptions,
  ) {}

  /** The largest message SQS takes from this publisher (its `maxMessageBytes`). */
  get maxMessageBytes(): number {
    return this.options.maxMessageBytes;
  }

  /** The largest message `topic`'s queue takes: `maxMessageBytes`, or the queue's own limit when lower. */
  async maxMessageBytesFor(topic: string): Promise<number> {
    const queue = this.queues.peek(topic) ?? (await this.queues.resolve(topic));
    return limitOf(queue, this.options.maxMessageBytes);
  }

  publish(messages: readonly TransportMessage[], guarantee: Guarantee): Promise<void> {
    // Encode and size-check everything first, so an oversize message refuses the call before any send.
    try {
      const encoded = messages.map((message) => this.encodeChecked(message));
      // Most publishes go to queues already resolved: no async step, map or extra promise for them.
      let known = true;
      for (const { topic } of messages) if (this.queues.peek(topic) === undefined) known = false;
      if (known) return this.enqueue(messages, encoded, guarantee, undefined);
      return this.resolveQueues(messages).then((resolved) =>
        this.enqueue(messages, encoded, guarantee, resolved),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private encodeChecked(message: TransportMessage): EncodedMessage {
    const wire = encodeMessage(message);
    if (wire.bytes > this.options.maxMessageBytes)
      throw tooLarge(message, wire, this.options.maxMessageBytes, 'limit');
    return wire;
  }

  private async resolveQueues(messages: readonly TransportMessage[]): Promise<Map<string, Queue>> {
    const resolved = new Map<string, Queue>();
    const missing = new Set<string>();
    for (const { topic } of messages) if (this.queues.peek(topic) === undefined) missing.add(topic);
    await Promise.all(
      [...missing].map(async (topic) => {
        try {
          resolved.set(topic, await this.queues.resolve(topic));
        } catch (error) {
          throw new PublishError(topic, `cannot resolve the queue: ${reasonOf(error)}`, { cause: error });
        }
      }),
    );
    return resolved;
  }

  /**
   * Every queue is resolved (peeked, or in `resolved`). Adds the entries synchronously in call
   * order, so one key's messages keep their order within a batch.
   */
  private enqueue(
    messages: readonly TransportMessage[],
    encoded: readonly EncodedMessage[],
    guarantee: Guarantee,
    resolved: ReadonlyMap<string, Queue> | undefined,
  ): Promise<void> {
    // A queue configured below maxMessageBytes (checked in encodeChecked) refuses the call too.
    for (let i = 0; i < messages.length; i++) {
      const queue = (resolved?.get(messages[i].topic) ?? this.queues.peek(messages[i].topic)) as Queue;
      if (queue.maxMessageBytes !== undefined && encoded[i].bytes > queue.maxMessageBytes)
        return Promise.reject(
          tooLarge(messages[i], encoded[i], queue.maxMessageBytes, `queue '${queue.name}' limit`),
        );
    }
    const sends: Promise<void>[] = [];
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i];
      const wire = encoded[i];
      const queue = (resolved?.get(message.topic) ?? this.queues.peek(message.topic)) as Queue;
      const entry: SendMessageBatchRequestEntry = queue.fifo
        ? {
            Id: '',
            MessageBody: wire.body,
            MessageAttributes: wire.attributes,
            MessageGroupId: sqsId(message.key || this.options.defaultMessageGroupId),
            MessageDeduplicationId: sqsId(message.headers[Headers.idempotencyKey] || message.id),
          }
        : { Id: '', MessageBody: wire.body, MessageAttributes: wire.attributes };
      sends.push(this.batcherFor(queue).add({ topic: message.topic, entry, bytes: wire.bytes }));
    }
    if (guarantee === 'at-most-once') {
      for (const sent of sends)
        sent.catch((error: unknown) =>
          this.options.logger.warn('sqs: at-most-once publish lost', { error: reasonOf(error) }),
        );
      return Promise.resolve();
    }
    return sends.length === 1 ? sends[0] : Promise.all(sends).then(() => undefined);
  }

  /** Sends every pending batch and waits for the ones in flight. */
  async flush(): Promise<void> {
    await Promise.all([...this.batchers.values()].map((b) => b.flush()));
  }

  private batcherFor(queue: Queue): Batcher<Outgoing> {
    let batcher = this.batchers.get(queue.url);
    if (batcher === undefined) {
      batcher = new Batcher<Outgoing>({
        maxEntries: 10,
        maxBytes: this.options.maxMessageBytes,
        sizeOf: (item) => item.bytes,
        lingerMs: this.options.lingerMs,
        // FIFO order across batches needs one batch in flight per queue.
        sequential: queue.fifo,
        run: (items) => this.send(queue, items),
      });
      this.batchers.set(queue.url, batcher);
    }
    return batcher;
  }

  private async send(queue: Queue, items: readonly Outgoing[]): Promise<Array<Error | undefined>> {
    const outcomes = new Array<Error | undefined>(items.length).fill(undefined);
    // Each entry's Id is its index here, so a resent entry keeps its Id and a reply maps back to it.
    for (let i = 0; i < items.length; i++) items[i].entry.Id = String(i);
    let todo = items.map((_, i) => i);
    for (let attempt = 1; todo.length > 0; attempt++) {
      let result;
      try {
        result = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: todo.map((i) => items[i].entry) }),
          { abortSignal: AbortSignal.timeout(this.options.publishTimeoutMs) },
        );
      } catch (error) {
        for (const i of todo)
          outcomes[i] = new PublishError(items[i].topic, reasonOf(error), { cause: error });
        return outcomes;
      }
      const answered = new Array<boolean>(items.length).fill(false);
      for (const ok of result.Successful ?? []) answered[Number(ok.Id)] = true;
      const retry: number[] = [];
      for (const failed of result.Failed ?? []) {
        const i = Number(failed.Id);
        answered[i] = true;
        const reason = `${failed.Code ?? 'Failed'}: ${failed.Message ?? 'SendMessageBatch entry failed'}`;
        if (!failed.SenderFault && attempt < ENTRY_ATTEMPTS) retry.push(i);
        else outcomes[i] = new PublishError(items[i].topic, reason);
      }
      for (const i of todo)
        if (!answered[i])
          outcomes[i] = new PublishError(items[i].topic, 'SendMessageBatch returned no result for the entry');
      todo = retry;
      if (todo.length > 0) await new Promise((r) => setTimeout(r, 50 * attempt));
    }
    return outcomes;
  }
}

export function reasonOf(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** `maxMessageBytes`, or the queue's own limit when SQS reported a lower one. */
function limitOf(queue: Queue, maxMessageBytes: number): number {
  return queue.maxMessageBytes === undefined
    ? maxMessageBytes
    : Math.min(maxMessageBytes, queue.maxMessageBytes);
}

function tooLarge(
  message: TransportMessage,
  wire: EncodedMessage,
  limit: number,
  what: string,
): PublishError {
  return new PublishError(
    message.topic,
    `message '${message.id}' is ${wire.bytes} bytes as sent to SQS (body ${Buffer.byteLength(wire.body)} + attributes), ` +
      `over the ${limit}-byte ${what}; store large payloads elsewhere (e.g. S3) and send a reference`,
  );
}
