import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ConfigurationError } from '@polybus/core';
import { queueNameFor, type FifoMode, type QueueName } from './queue-name';

export interface Queue extends QueueName {
  readonly url: string;
  /**
   * The queue's own `MaximumMessageSize` in bytes, when SQS reports it (AWS does; ElasticMQ
   * neither reports nor enforces it): a queue configured below the transport's `maxMessageBytes`
   * refuses larger messages, so publishes and dead-letter copies are sized to it.
   */
  readonly maxMessageBytes?: number;
}

export interface QueueRegistryOptions {
  readonly fifo: FifoMode;
  readonly autoCreate: boolean;
  readonly attributes: Readonly<Record<string, string>>;
  readonly redriveMaxReceiveCount?: number;
}

/** Topic → queue URL, resolved once per topic and cached (a failed lookup is retried next time). */
export class QueueRegistry {
  private readonly cache = new Map<string, Promise<Queue>>();
  private readonly known = new Map<string, Queue>();

  constructor(
    private readonly client: SQSClient,
    private readonly options: QueueRegistryOptions,
  ) {}

  nameOf(topic: string): QueueName {
    return queueNameFor(topic, this.options.fifo);
  }

  resolve(topic: string): Promise<Queue> {
    let queue = this.cache.get(topic);
    if (queue === undefined) {
      queue = this.lookup(topic);
      this.cache.set(topic, queue);
      queue.then(
        (q) => this.known.set(topic, q),
        () => this.cache.delete(topic),
      );
    }
    return queue;
  }

  /** The queue if already resolved: lets the publish hot path skip an await per message. */
  peek(topic: string): Queue | undefined {
    return this.known.get(topic);
  }

  /**
   * The URL of the topic's queue if it exists, never creating it (a read-only lookup: dead-letter
   * browsing, backlog). Undefined when SQS says there is no such queue; other errors reject.
   */
  async find(topic: string, abortSignal?: AbortSignal): Promise<string | undefined> {
    const known = this.peek(topic);
    if (known !== undefined) return known.url;
    try {
      const { name } = this.nameOf(topic);
      const found = await this.client.send(new GetQueueUrlCommand({ QueueName: name }), { abortSignal });
      return found.QueueUrl as string;
    } catch (error) {
      if (isMissingQueue(error)) return undefined;
      throw error;
    }
  }

  /** Forget a URL that stopped working (queue deleted and recreated). */
  forget(topic: string): void {
    this.cache.delete(topic);
    this.known.delete(topic);
  }

  /** Creates every topic's queue (idempotent), with a redrive policy to its `.dlq` queue when configured. */
  async ensure(topics: readonly string[]): Promise<void> {
    for (const topic of topics) {
      const queue = this.nameOf(topic);
      const attributes: Record<string, string> = { ...this.options.attributes };
      const redrive = this.options.redriveMaxReceiveCount;
      if (redrive !== undefined && !topic.endsWith('.dlq')) {
        const dlqPromise = this.create(this.nameOf(`${topic}.dlq`), { ...this.options.attributes });
        this.cache.set(`${topic}.dlq`, dlqPromise);
        const dlq = await dlqPromise;
        const arn = await this.client.send(
          new GetQueueAttributesCommand({ QueueUrl: dlq.url, AttributeNames: ['QueueArn'] }),
        );
        attributes.RedrivePolicy = JSON.stringify({
          deadLetterTargetArn: arn.Attributes?.QueueArn,
          maxReceiveCount: redrive,
        });
      }
      const created = this.create(queue, attributes);
      this.cache.set(topic, created);
      this.known.set(topic, await created);
    }
  }

  private async lookup(topic: string): Promise<Queue> {
    const queue = this.nameOf(topic);
    const url = await this.find(topic);
    if (url !== undefined) return this.withLimit({ ...queue, url });
    if (!this.options.autoCreate)
      throw new ConfigurationError(
        'autoCreateQueues',
        `queue '${queue.name}' for topic '${topic}' does not exist and autoCreateQueues is false`,
      );
    return this.create(queue, { ...this.options.attributes });
  }

  private async create(queue: QueueName, attributes: Record<string, string>): Promise<Queue> {
    // Deduplication ids always come from Polybus (idempotency key or message id), never from the body.
    if (queue.fifo) Object.assign(attributes, { FifoQueue: 'true', ContentBasedDeduplication: 'false' });
    try {
      const created = await this.client.send(
        new CreateQueueCommand({ QueueName: queue.name, Attributes: attributes }),
      );
      return await this.withLimit({ ...queue, url: created.QueueUrl as string });
    } catch (error) {
      // Someone created it with other attributes: use it as it is rather than fail.
      if ((error as { name?: string }).name !== 'QueueNameExists') throw error;
      const found = await this.client.send(new GetQueueUrlCommand({ QueueName: queue.name }));
      return await this.withLimit({ ...queue, url: found.QueueUrl as string });
    }
  }

  /** The queue with its `MaximumMessageSize`, when SQS reports one (a failed read leaves it out). */
  private async withLimit(queue: Queue): Promise<Queue> {
    try {
      const { Attributes } = await this.client.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['MaximumMessageSize'] }),
      );
      const limit = Number(Attributes?.MaximumMessageSize);
      return Number.isInteger(limit) && limit > 0 ? { ...queue, maxMessageBytes: limit } : queue;
    } catch {
      return queue;
    }
  }
}

export function isMissingQueue(error: unknown): boolean {
  const name = (error as { name?: string; Code?: string } | undefined)?.name ?? '';
  return name === 'QueueDoesNotExist' || name === 'AWS.SimpleQueueService.NonExistentQueue';
}
