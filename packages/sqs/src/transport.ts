import { ListQueuesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import {
  ConfigurationError,
  ConnectionError,
  PublishError,
  type Guarantee,
  type Transport,
  type TransportCapabilities,
  type TransportHealth,
  type TransportMessage,
} from '@polybus/core';
import {
  type DeadLetterAccess,
  type DeliveryHandler,
  type SubscribeOptions,
  type Subscription,
} from '@polybus/core/transport';
import { AttemptMemory } from './attempt-memory';
import { sqsBacklog } from './backlog';
import { createSqsClient } from './client';
import { SqsDeadLetters } from './dead-letters';
import { Heartbeat } from './heartbeat';
import { resolveOptions, type ResolvedSqsOptions, type SqsTransportOptions } from './options';
import { Publisher, reasonOf } from './publisher';
import { QueueRegistry } from './queues';
import { Settler } from './settler';
import { SqsSubscription } from './subscription';
import { validateSqsSubscription } from './validate';

/**
 * What SQS gives. perKeyOrdering is declared because FIFO queues give it, and `validateSubscription`
 * refuses it per topic on a standard queue (a bind-time check, so nothing is downgraded silently).
 * nativeDeduplication is a publish-side property with no such per-topic check, so it is declared
 * only when every queue is FIFO (`fifo: 'always'`).
 */
function capabilitiesOf(options: ResolvedSqsOptions): TransportCapabilities {
  return {
    consumerGroups: false,
    competingConsumers: true,
    perKeyOrdering: true,
    transactions: false,
    nativeDeduplication: options.fifo === 'always',
    delayedRedelivery: true,
    persistent: true,
    maxMessageBytes: options.maxMessageBytes,
  };
}

class SqsTransport implements Transport {
  readonly name = 'sqs';
  readonly capabilities: TransportCapabilities;
  private readonly options: ResolvedSqsOptions;
  private readonly client: SQSClient;
  private readonly queues: QueueRegistry;
  private readonly publisher: Publisher;
  private readonly settler: Settler;
  private readonly heartbeat: Heartbeat;
  private readonly attempts = new AttemptMemory();
  private readonly subscriptions = new Set<SqsSubscription>();
  private closing: Promise<void> | undefined;

  constructor(options: SqsTransportOptions) {
    this.options = resolveOptions(options);
    this.capabilities = capabilitiesOf(this.options);
    const o = this.options;
    this.client = o.client ?? createSqsClient(o);
    this.queues = new QueueRegistry(this.client, {
      fifo: o.fifo,
      autoCreate: o.autoCreateQueues,
      attributes: o.queueAttributes,
      ...(o.redriveMaxReceiveCount === undefined ? {} : { redriveMaxReceiveCount: o.redriveMaxReceiveCount }),
    });
    this.publisher = new Publisher(this.client, this.queues, {
      lingerMs: o.publishLingerMs,
      maxMessageBytes: o.maxMessageBytes,
      defaultMessageGroupId: o.defaultMessageGroupId,
      publishTimeoutMs: o.publishTimeoutMs,
      logger: o.logger,
    });
    this.settler = new Settler(this.client, o.ackLingerMs);
    this.heartbeat = new Heartbeat(this.settler, o.visibilityTimeoutSeconds, o.heartbeatIntervalMs, o.logger);
  }

  /**
   * SQS is HTTP: there is no connection to keep; queues are resolved (and created) on first use.
   * One `ListQueues` checks that the endpoint answers: any answer, even AccessDenied for a role
   * without that permission, will do. No answer rejects with `ConnectionError`; no region with
   * `ConfigurationError('region')`.
   */
  async connect(): Promise<void> {
    try {
      // A stalled endpoint would leave the request (and the SDK's retries) waiting: aborted in time.
      await this.client.send(new ListQueuesCommand({ MaxResults: 1 }), {
        abortSignal: AbortSignal.timeout(this.options.connectTimeoutMs),
      });
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== undefined)
        return;
      const reason = reasonOf(error);
      if (/region is missing/i.test(reason))
        throw new ConfigurationError(
          'region',
          'no AWS region: add ?region=<region> to the sqs:// URL, pass `region`, or set AWS_REGION',
          { cause: error },
        );
      throw new ConnectionError(
        'SQS',
        this.options.endpoint ?? `the AWS endpoint of region ${this.options.region ?? '(default)'}`,
        reason,
        'check the endpoint (host, port, tls=true for https) and that the service runs there',
        { cause: error },
      );
    }
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.subscriptions].map((s) => s.close()));
      await this.publisher.flush();
      await this.settler.flush();
      this.heartbeat.stop();
      if (this.options.client === undefined) this.client.destroy();
    })();
    return this.closing;
  }

  publish(messages: readonly TransportMessage[], options: { guarantee: Guarantee }): Promise<void> {
    if (this.closing !== undefined)
      return Promise.reject(new PublishError(messages[0]?.topic ?? '', 'the SQS transport is closed'));
    return this.publisher.publish(messages, options.guarantee);
  }

  async subscribe(options: SubscribeOptions, handler: DeliveryHandler): Promise<Subscription> {
    const queue = await this.queues.resolve(options.topic);
    const subscription = new SqsSubscription(
      {
        client: this.client,
        settler: this.settler,
        heartbeat: this.heartbeat,
        publisher: this.publisher,
        attempts: this.attempts,
        logger: this.options.logger,
        waitTimeSeconds: this.options.waitTimeSeconds,
        visibilityTimeoutSeconds: this.options.visibilityTimeoutSeconds,
        ...(this.options.pollers === undefined ? {} : { pollers: this.options.pollers }),
      },
      queue,
      options,
      handler,
    );
    this.subscriptions.add(subscription);
    subscription.start();
    return subscription;
  }

  async ensureTopics(topics: readonly string[]): Promise<void> {
    await this.queues.ensure(topics);
  }

  validateSubscription(options: SubscribeOptions, existing: readonly SubscribeOptions[]): void {
    validateSqsSubscription(options, existing, this.options.fifo);
  }

  /** Browses the dead-letter queues, letters held by this transport's heartbeat (see `SqsDeadLetters`). */
  deadLetters(): DeadLetterAccess {
    const { client, queues, settler, heartbeat } = this;
    const { visibilityTimeoutSeconds } = this.options;
    return new SqsDeadLetters({ client, queues, settler, heartbeat, visibilityTimeoutSeconds });
  }

  /** The queue's approximate counts, the same for every group of the topic (see `sqsBacklog`). */
  backlog(subscription: { topic: string; group: string }): Promise<number | undefined> {
    return sqsBacklog(this.client, this.queues, subscription.topic);
  }

  async health(): Promise<TransportHealth> {
    try {
      await this.client.send(new ListQueuesCommand({ MaxResults: 1 }));
      return { ok: true, details: { subscriptions: this.subscriptions.size } };
    } catch (error) {
      return { ok: false, details: { error: reasonOf(error) } };
    }
  }
}

/** An SQS transport (standard and FIFO queues); see docs/adapters/sqs.md. */
export function sqsTransport(options: SqsTransportOptions = {}): Transport {
  return new SqsTransport(options);
}
