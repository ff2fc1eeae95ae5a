import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import { PublishError, type Guarantee, type TransportMessage } from '@polybus/core';
import { payloadBytesAtMost, withTimeout } from '@polybus/core/transport';
import type { ResolvedKafkaOptions } from './options';
import { planPublish, type ProducerRole } from './publish-plan';
import { byTopic } from './wire';

/**
 * The transport's shared producers, one per role, created on first use. kafkajs producers are safe
 * for concurrent sends; each `send` call becomes one `sendBatch` request (one produce request per
 * partition leader), grouped by topic.
 */
export class ProducerPool {
  private readonly producers = new Map<ProducerRole, Promise<Producer>>();
  private closed = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ResolvedKafkaOptions,
  ) {}

  async send(messages: readonly TransportMessage[], guarantee: Guarantee): Promise<void> {
    if (messages.length === 0) return;
    const plan = planPublish(guarantee, this.options.acks);
    if (this.closed) throw new PublishError(topicsOf(messages), 'the Kafka transport is closed');
    const max = this.options.maxMessageBytes;
    for (const message of messages) {
      if (payloadBytesAtMost(message.payload) + headerBytesAtMost(message.headers) <= max) continue;
      const size = Buffer.byteLength(message.payload) + headerBytes(message.headers);
      if (size > max) {
        throw new PublishError(
          message.topic,
          `message ${message.id} is ${size} bytes, above maxMessageBytes ${this.options.maxMessageBytes}`,
        );
      }
    }
    const ms = this.options.publishTimeoutMs;
    try {
      await withTimeout(
        this.producer(plan.role).then((producer) =>
          producer.sendBatch({
            topicMessages: byTopic(messages),
            acks: plan.acks,
            compression: this.options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
          }),
        ),
        ms,
        () => new Error(`no acknowledgement within publishTimeoutMs ${ms} ms`),
      );
    } catch (error) {
      throw new PublishError(topicsOf(messages), (error as Error).message ?? String(error), {
        cause: error,
      });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.producers.values()];
    this.producers.clear();
    await Promise.all(all.map((p) => p.then((producer) => producer.disconnect()).catch(() => undefined)));
  }

  private producer(role: ProducerRole): Promise<Producer> {
    let producer = this.producers.get(role);
    if (!producer) {
      producer = this.create(role);
      this.producers.set(role, producer);
      // A failed connect must not poison the role: the next publish tries again.
      producer.catch(() => this.producers.delete(role));
    }
    return producer;
  }

  private async create(role: ProducerRole): Promise<Producer> {
    const producer = this.kafka.producer(
      role === 'fire'
        ? { retry: { retries: 0 }, allowAutoTopicCreation: true }
        : role === 'reliable'
          ? { retry: { retries: this.options.retries }, allowAutoTopicCreation: true }
          : // kafkajs keeps sequence numbers right only with one request in flight.
            { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true },
    );
    await producer.connect();
    return producer;
  }
}

function topicsOf(messages: readonly TransportMessage[]): string {
  return [...new Set(messages.map((m) => m.topic))].join(',');
}

/** An upper bound without encoding: a UTF-16 code unit is at most 3 bytes of UTF-8. */
function headerBytesAtMost(headers: Record<string, string>): number {
  let n = 0;
  for (const name in headers) n += name.length + headers[name].length;
  return 3 * n;
}

function headerBytes(headers: Record<string, string>): number {
  let n = 0;
  for (const name of Object.keys(headers)) n += name.length + Buffer.byteLength(headers[name]);
  return n;
}
