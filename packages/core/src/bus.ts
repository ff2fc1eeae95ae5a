import type { BindOptions } from './bind-options';
import { BusBindings } from './bus-bindings';
import { jsonCodec, type Codec } from './codec';
import { calledWithin } from './engine/called-within';
import { encodeMessage } from './encode';
import { setMaxListeners } from 'node:events';
import { ConfigurationError } from './errors/configuration-error';
import type { Handler } from './handler';
import type { BindingHealth, Bus, BusHealth, BusOptions, BusState } from './bus-api';
import { uuidv7 } from './id';
import { consoleLogger, isPinoLike, pinoLogger, type Logger } from './logger';
import type { BatchEntry, Guarantee, PublishOptions, PublishReceipt, TransportMessage } from './message';
import { integerOption } from './kit/options';
import { PublishBatcher, resolveBatching } from './publish-batcher';
import { middlewares } from './resolve-binding';
import type { Transport, TransportHealth } from './transport';
import { transportFromUrl } from './transport-loader';
import { checkShutdownSignals, onShutdownSignals } from './shutdown-signals';

export type { Bus, BusOptions, BusState, BindingHealth, BusHealth } from './bus-api';

export function createBus(options: BusOptions): Bus {
  return new PolybusBus(options);
}

class PolybusBus implements Bus {
  private readonly codec: Codec;
  private readonly bindings: BusBindings;
  private readonly logger: Logger;
  private readonly stopping = new AbortController();
  private readonly ownerPrefix = uuidv7();
  private resolved: Transport | undefined;
  private connected: Promise<Transport> | undefined;
  private ready = false;
  private state: BusState = 'idle';
  private stopped: Promise<void> | undefined;
  /** Publish calls not yet settled; stop waits for them before closing the transport. */
  private publishing = 0;
  private publishingDone: (() => void) | undefined;
  private readonly batching: { lingerMs: number; maxMessages: number } | false;
  private batcher: PublishBatcher | undefined;
  private warnedNotStarted = false;
  private readonly stuckAfterMs: number;
  /** Removes the `shutdownSignals` listeners. */
  private unlistenSignals: (() => void) | undefined;

  constructor(private readonly options: BusOptions) {
    if ((options.url === undefined) === (options.transport === undefined))
      throw new ConfigurationError('url', 'give exactly one of `url` and `transport`');
    this.batching = resolveBatching(options.batching);
    checkShutdownSignals(options.shutdownSignals);
    this.stuckAfterMs = integerOption('health.stuckAfterMs', options.health?.stuckAfterMs, 300_000);
    this.codec = options.codec ?? jsonCodec;
    this.bindings = new BusBindings({
      codec: this.codec,
      middleware: middlewares('middleware', options.middleware),
    });
    const logger = options.logger ?? consoleLogger;
    this.logger = isPinoLike(logger) ? pinoLogger(logger) : logger;
    this.resolved = options.transport;
    // Every retry waiting out its backoff listens for stop; there may be thousands at once.
    setMaxListeners(0, this.stopping.signal);
  }

  get transport(): Transport | undefined {
    return this.resolved;
  }

  bind<T>(topic: string, handler: Handler<T>, options: BindOptions<T>): this {
    if (this.state !== 'idle')
      throw new ConfigurationError('bind', `bind before start (the bus is ${this.state})`);
    this.bindings.add(topic, handler, options, this.resolved);
    return this;
  }

  async start(): Promise<void> {
    if (this.state !== 'idle') throw new ConfigurationError('start', `the bus is already ${this.state}`);
    this.state = 'starting';
    try {
      const transport = await this.connect();
      await this.bindings.open({
        transport,
        logger: this.logger,
        stopping: this.stopping.signal,
        ownerPrefix: this.ownerPrefix,
        encode: (topic: string, body: unknown, o: PublishOptions) => this.encode(topic, body, o),
      });
      this.state = 'running';
      if (this.options.shutdownSignals)
        this.unlistenSignals = onShutdownSignals(
          this.options.shutdownSignals,
          () => this.stop(),
          this.logger,
        );
    } catch (error) {
      this.state = 'idle';
      await this.bindings.abandon();
      throw error;
    }
  }

  async publish<T>(topic: string, body: T, options: PublishOptions = {}): Promise<PublishReceipt> {
    this.publishing++;
    try {
      const transport = this.ready ? this.resolved! : await this.connectToPublish();
      const message = this.encode(topic, body, options);
      const guarantee = options.guarantee ?? 'at-least-once';
      if (this.batching === false) await transport.publish([message], { guarantee });
      else await (this.batcher ??= new PublishBatcher(transport, this.batching)).publish(message, guarantee);
      return { id: message.id, topic };
    } finally {
      this.publishSettled();
    }
  }

  async publishBatch(
    entries: readonly BatchEntry[],
    options: { guarantee?: Guarantee } = {},
  ): Promise<PublishReceipt[]> {
    this.publishing++;
    try {
      const transport = this.ready ? this.resolved! : await this.connectToPublish();
      const messages = entries.map((e) => this.encode(e.topic, e.body, e));
      if (messages.length > 0)
        await transport.publish(messages, { guarantee: options.guarantee ?? 'at-least-once' });
      return messages.map((m) => ({ id: m.id, topic: m.topic }));
    } finally {
      this.publishSettled();
    }
  }

  private publishSettled(): void {
    if (--this.publishing === 0) this.publishingDone?.();
  }

  stop(options: { timeoutMs?: number } = {}): Promise<void> {
    // From now on a signal is the process's again: a second Ctrl-C while draining ends it.
    this.unlistenSignals?.();
    return (this.stopped ??= this.shutdown(options.timeoutMs ?? 10_000));
  }

  async health(): Promise<BusHealth> {
    let transport: TransportHealth | undefined;
    if (this.resolved && this.ready)
      transport = this.resolved.health
        ? await this.resolved
            .health()
            .catch((error: unknown) => ({ ok: false, details: { error: String(error) } }))
        : { ok: true };
    const bindings = this.stats();
    return {
      ok: this.state === 'running' && (transport?.ok ?? false) && bindings.every((b) => b.stuck === 0),
      state: this.state,
      transport,
      bindings,
    };
  }

  stats(): BindingHealth[] {
    const now = Date.now();
    return this.bindings.dispatchers.map((d) => d.health(now, this.stuckAfterMs));
  }

  private async shutdown(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.state = 'stopping';
    this.stopping.abort();
    await this.bindings.closeAll();
    const drained = await Promise.all(this.bindings.dispatchers.map((d) => d.drain(timeoutMs)));
    if (drained.includes(false))
      this.logger.warn('stop timed out with messages in flight; the broker will redeliver them', {
        timeoutMs,
      });
    // A publish accepted before stop goes out before the transport closes (its caller gets the
    // broker's answer, not a closed connection), within the same time limit.
    if (!(await this.publishesSettled(Math.max(0, deadline - Date.now()))))
      this.logger.warn('stop timed out with publishes unanswered; closing anyway', {
        timeoutMs,
        publishing: this.publishing,
      });
    if (this.connected) await (await this.connected.catch(() => undefined))?.close();
    await this.closeStores();
    this.state = 'stopped';
  }

  /**
   * Closes each idempotency store given to a binding, once, after the transport: no delivery can
   * reach a store any more. A store shared with another bus tolerates it (see IdempotencyStore).
   */
  private async closeStores(): Promise<void> {
    const stores = new Set(this.bindings.pending.map((b) => b.options.idempotency));
    for (const store of stores)
      await store
        ?.close?.()
        .catch((error: unknown) => this.logger.warn('idempotency store did not close cleanly', { error }));
  }

  private async publishesSettled(timeoutMs: number): Promise<boolean> {
    if (this.publishing === 0) return true;
    const settled = await calledWithin((done) => (this.publishingDone = done), timeoutMs);
    this.publishingDone = undefined;
    return settled;
  }

  /**
   * A publish may connect the bus without `start()` (a publish-only service needs none). With
   * bindings waiting for `start()`, say so once: their handlers will not see these messages until
   * it is called, the first-hour trap of a bus that publishes and never consumes.
   */
  private connectToPublish(): Promise<Transport> {
    if (this.state === 'idle' && this.bindings.pending.length > 0 && !this.warnedNotStarted) {
      this.warnedNotStarted = true;
      this.logger.warn(
        'publish on a bus that was not started: its bindings consume nothing until bus.start()',
        {
          bindings: this.bindings.pending.map((b) => `${b.topic} (${b.options.group})`),
        },
      );
    }
    return this.connect();
  }

  private connect(): Promise<Transport> {
    return (this.connected ??= (async () => {
      const transport = (this.resolved ??= transportFromUrl(this.options.url!, undefined, {
        logger: this.logger,
      }));
      try {
        await transport.connect();
      } catch (error) {
        this.connected = undefined; // let a later start or publish try again
        throw error;
      }
      this.ready = true;
      return transport;
    })());
  }

  private encode(topic: string, body: unknown, options: Omit<PublishOptions, 'guarantee'>): TransportMessage {
    return encodeMessage(this.codec, topic, body, options, this.resolved?.capabilities.maxMessageBytes);
  }
}
