import type { DeadLetterAccess } from './dead-letter-access';
import type { Logger } from './logger';
import type { Guarantee, MessageHeaders, TransportMessage } from './message';

/**
 * What a transport can do. The core reads these to validate bindings and to pick mechanisms; the
 * conformance suite reads them to decide which cases apply. Declare only what the broker really
 * gives: the core never fakes a missing power.
 */
export interface TransportCapabilities {
  /** Several groups on one topic each receive every message (fan-out). */
  readonly consumerGroups: boolean;
  /** Members of one group share the messages (competing consumers). */
  readonly competingConsumers: boolean;
  /** With `ordering: 'per-key'`, messages of one key are handled one at a time, in publish order. */
  readonly perKeyOrdering: boolean;
  /** `Delivery.transaction()` is available: outputs and the consumption commit atomically (Kafka). */
  readonly transactions: boolean;
  /** The broker drops a republish of the same idempotency key within a window (SQS FIFO). */
  readonly nativeDeduplication: boolean;
  /** `nack({ delayMs })` redelivers after the delay instead of at once. */
  readonly delayedRedelivery: boolean;
  /** Unacked and unconsumed messages survive the consumer's process and the transport's close. */
  readonly persistent: boolean;
  /** Largest encoded payload + headers accepted, in bytes; undefined = no practical limit. */
  readonly maxMessageBytes?: number;
}

/** What `subscribe` needs to know about a binding. */
export interface SubscribeOptions {
  readonly topic: string;
  readonly group: string;
  readonly guarantee: Guarantee;
  /** Most deliveries handed over at once and not yet settled. */
  readonly concurrency: number;
  readonly ordering: 'none' | 'per-key';
  /** Where the core will dead-letter; transports with native dead-letter topology may declare it. */
  readonly deadLetterTopic: string | false;
  readonly maxAttempts: number;
  /** The binding has an idempotency store (what turns at-least-once delivery into exactly-once effects). */
  readonly idempotent: boolean;
}

/** Where the message sits in the broker; copied into the dead-letter envelope as `polybus-dlq-<name>`. */
export type Coordinates = Readonly<Record<string, string>>;

/**
 * One delivery of one message to one group member.
 *
 * The core settles every delivery it was handed exactly once, by calling one of `ack`, `nack`,
 * `deadLetter` or by committing its `transaction()`. Settling after the subscription closed is
 * allowed until `Transport.close()`. A transport must survive (log, then redeliver) a delivery the
 * core never settles, e.g. when `Bus.stop` times out; one whose handler resolved without settling
 * it frees its concurrency slot and is delivered again (after a short delay, so it cannot spin).
 */
export interface Delivery {
  readonly message: TransportMessage;
  /**
   * 1-based attempt number of this delivery: the `polybus-attempt` header when the transport
   * carries one, else the broker's delivery count.
   */
  readonly attempt: number;
  readonly coordinates: Coordinates;
  /** Processing done: the broker may forget the message (delete / commit / XACK). */
  ack(): Promise<void>;
  /**
   * Not processed: deliver it again, to this or another member, after `delayMs` when the transport
   * has `delayedRedelivery` (else as soon as the broker does). The redelivery reports `attempt`
   * as its attempt number where the transport can carry it.
   */
  nack(options?: { delayMs?: number; attempt?: number }): Promise<void>;
  /**
   * Optional: move the message to `topic` with `headers` merged over the original ones, then ack
   * it, atomically where the broker allows. When absent, the core publishes the copy through
   * `Transport.publish` (at-least-once) and then acks.
   */
  deadLetter?(topic: string, headers: MessageHeaders): Promise<void>;
  /** Only with `capabilities.transactions`: begin the delivery's consume-transform-produce transaction. */
  transaction?(): DeliveryTransaction;
}

/**
 * Outputs published inside a handler and the consumption of the delivery, committed together.
 * `commit` settles (acks) the delivery; `abort` discards the outputs and leaves the delivery
 * unsettled so the core can nack or dead-letter it. Transports may group several deliveries'
 * transactions into one broker transaction; `commit` resolves when that one has committed.
 */
export interface DeliveryTransaction {
  publish(messages: readonly TransportMessage[]): Promise<void>;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Called for each delivery. It settles the delivery before its promise resolves, and never rejects. */
export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

export interface Subscription {
  /**
   * Stop fetching. Resolves once no new delivery will be handed over. Deliveries already handed
   * over may still be settled afterwards. Idempotent.
   */
  close(): Promise<void>;
}

export interface TransportHealth {
  readonly ok: boolean;
  readonly details?: Record<string, unknown>;
}

/**
 * A broker connection, shared by the bus's publishers and consumers.
 *
 * - Thread safety: every method may be called concurrently from many async tasks.
 * - `connect` is called once before any other member; `close` is idempotent, stops every
 *   subscription, flushes pending publishes and releases connections. Unsettled deliveries are
 *   left to the broker, which redelivers them.
 * - `publish` resolves when the batch is as safe as `options.guarantee` asks (at-most-once: handed
 *   to the client; at-least-once and exactly-once: acknowledged by the broker) and rejects with
 *   `PublishError` otherwise. Order is kept per key within one call and across calls awaited in turn.
 * - `subscribe` delivers to `handler` at most `options.concurrency` unsettled deliveries at once;
 *   with `ordering: 'per-key'` (only if `capabilities.perKeyOrdering`) never two of one key at once,
 *   in publish order.
 * - Optional members are powers the core detects: `ensureTopics` (topology setup at start),
 *   `validateSubscription` (broker-specific refusals at bind time), `health`, `deadLetters`, `backlog`.
 */
export interface Transport {
  /** Short broker name used in errors and logs: 'kafka', 'rabbitmq', 'sqs', 'redis-streams', 'memory'. */
  readonly name: string;
  readonly capabilities: TransportCapabilities;
  connect(): Promise<void>;
  close(): Promise<void>;
  publish(messages: readonly TransportMessage[], options: { guarantee: Guarantee }): Promise<void>;
  subscribe(options: SubscribeOptions, handler: DeliveryHandler): Promise<Subscription>;
  /** Create or check topics, queues and their dead-letter targets before consumers start. */
  ensureTopics?(topics: readonly string[]): Promise<void>;
  /** Throw `ConfigurationError` / `GuaranteeNotSupportedError` for subscriptions this broker refuses. */
  validateSubscription?(options: SubscribeOptions, existing: readonly SubscribeOptions[]): void;
  health?(): Promise<TransportHealth>;
  /** Read access to dead letters this broker keeps (see `DeadLetterAccess`); after `connect`. */
  deadLetters?(): DeadLetterAccess;
  /**
   * Consumer lag as the broker counts it: messages of `topic` that `group` has not consumed yet,
   * read from the broker now (one or two round trips; nothing is counted per message). What each
   * broker counts differs and the adapter's doc says it: Kafka the high watermark less the group's
   * committed offsets, Redis Streams the group's `lag` plus its pending entries, SQS the queue's
   * approximate visible, in-flight and delayed counts (SQS has no groups: every group of a topic
   * reads one queue), RabbitMQ the group queue's ready messages (delivered, unacked ones and
   * retries waiting in the TTL queues are not in it). Exact only where the broker is; a gauge,
   * not an accounting. `@polybus/opentelemetry` exports it as `polybus.consumer.lag`.
   *
   * Never rejects: resolves `undefined` when the group, topic or queue does not exist (it is not
   * created), when the broker cannot tell, or when it does not answer within a few seconds (each
   * adapter bounds the wait, so a metrics scrape never hangs on it). After `connect`.
   */
  backlog?(subscription: { readonly topic: string; readonly group: string }): Promise<number | undefined>;
}

/**
 * What `createBus({ url })` calls in an adapter package: `export function createTransportFromUrl(url)`.
 * It gets a `URL`, or the original string for schemes whose addresses the WHATWG parser refuses
 * (Kafka's `kafka://a:9092,b:9092`), and the bus's context: the adapter logs through `logger` (the
 * one given to `createBus`) unless the URL says otherwise.
 */
export type TransportFromUrl = (url: URL | string, context?: TransportContext) => Transport;

/** What the bus hands an adapter it makes from a URL. */
export interface TransportContext {
  readonly logger?: Logger;
}
