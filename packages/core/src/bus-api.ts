import type { ShutdownSignals } from './shutdown-signals';
import type { BindOptions } from './bind-options';
import type { Codec } from './codec';
import type { BindingCounters } from './engine/counters';
import type { Handler } from './handler';
import type { Logger } from './logger';
import type { Middleware } from './middleware';
import type { BatchingOptions } from './publish-batcher';
import type { BatchEntry, Guarantee, PublishOptions, PublishReceipt } from './message';
import type { Transport, TransportHealth } from './transport';

export interface BusOptions {
  /** `memory://`, `kafka://…`, `amqp://…`, `sqs://…`, `redis://…`. Exactly one of url / transport. */
  url?: string;
  transport?: Transport;
  /** Default JSON (bytes pass through). */
  codec?: Codec;
  /** Default: warnings and errors to the console. */
  logger?: Logger;
  /**
   * Concurrent `publish` calls go out together, one transport batch per topic and guarantee (one
   * Kafka produce request, one Redis pipeline, one confirm window, SendMessageBatch on SQS); each
   * call settles with its batch's outcome. Default `{ lingerMs: 0, maxMessages: 1000 }`: the calls
   * of one event-loop turn, no timer. `false` sends each call on its own.
   */
  batching?: BatchingOptions | false;
  /** When `health()` calls a delivery in flight stuck; see docs/health.md. */
  health?: { stuckAfterMs?: number };
  /** Middlewares around every binding's handler, outside each binding's own `use`; see `Middleware`. */
  middleware?: readonly Middleware[];
  /**
   * Stop the bus when the process is asked to end (`true`: SIGTERM and SIGINT), from `start` until
   * `stop`: in-flight work drains, then the process ends by the signal unless the application
   * listens for it too; a second signal ends it at once. Default false. See docs/health.md.
   */
  shutdownSignals?: ShutdownSignals;
}

export type BusState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface BindingHealth {
  topic: string;
  group: string;
  guarantee: Guarantee;
  inFlight: number;
  counters: Readonly<BindingCounters>;
  /**
   * Epoch ms of the first `health()`/`stats()` read that saw a handler run succeed since the read
   * before (accurate to the interval between reads); undefined until one has.
   */
  lastProcessedAt: number | undefined;
  /** How long the oldest delivery in flight has been seen in flight by these reads (ms); 0 with none. */
  oldestInFlightMs: number;
  /** Deliveries seen in flight for longer than `health.stuckAfterMs`: a hung handler holds its slot. */
  stuck: number;
}

export interface BusHealth {
  /** Running, the transport healthy, and no binding with a stuck delivery. */
  ok: boolean;
  state: BusState;
  transport: TransportHealth | undefined;
  bindings: BindingHealth[];
}

/** One broker connection, its bindings, and the publish side. */
export interface Bus {
  /** Adds a handler for `topic` in `options.group`. Bind before `start`; options are checked now. */
  bind<T>(topic: string, handler: Handler<T>, options: BindOptions<T>): this;
  publish<T>(topic: string, body: T, options?: PublishOptions): Promise<PublishReceipt>;
  /** One broker round trip where the transport batches; order per key is kept. */
  publishBatch(
    entries: readonly BatchEntry[],
    options?: { guarantee?: Guarantee },
  ): Promise<PublishReceipt[]>;
  /** Connects, sets up topics, checks every binding against the transport, starts consuming. */
  start(): Promise<void>;
  /** Stops fetching, drains in-flight work (up to `timeoutMs`, default 10 s), acks what finished, closes. Idempotent. */
  stop(options?: { timeoutMs?: number }): Promise<void>;
  health(): Promise<BusHealth>;
  /** Each binding's counters and in-flight count, read synchronously (for metrics scrapers). */
  stats(): BindingHealth[];
  /** The transport, once resolved (at start or first publish). */
  readonly transport: Transport | undefined;
}
