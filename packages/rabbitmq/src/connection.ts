import { connect, type Channel, type ConfirmChannel, type RecoveringChannelModel } from 'amqplib';
import { ConnectionError, PolybusError, type Logger } from '@polybus/core';
import { withoutCredentials, withTimeout } from '@polybus/core/transport';
import type { ResolvedOptions } from './options';

/**
 * One AMQP connection that reconnects by itself (amqplib's recovery: exponential backoff with
 * jitter, forever once connected). Channels are not recovered by amqplib: their owners watch
 * the channel's 'close' event and open a new one, which waits here until the connection is back.
 */
export class ConnectionManager {
  private model: RecoveringChannelModel | undefined;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private connections = 0;
  /** Between amqplib's 'connect' and 'disconnect': what health reports. */
  private up = false;
  private readonly reconnectListeners: Array<() => void> = [];

  constructor(
    private readonly options: ResolvedOptions,
    /** 'publish' or 'consume': RabbitMQ throttles publishing connections, so acks get their own. */
    private readonly role: string,
    private readonly logger: Logger,
  ) {}

  /**
   * The user this connection logs in as, as amqplib reads it from the URL (guest without one):
   * RabbitMQ refuses a publish whose `user_id` property names anyone else.
   */
  get user(): string {
    const { username, password } = new URL(this.options.url);
    // amqplib's own reading of it (`credentialsFromUrl`), `unescape` included.
    return username === '' && password === '' ? 'guest' : unescape(username);
  }

  /** A failed connect is not kept: the next call (the bus's next start or publish) tries again. */
  connect(): Promise<void> {
    this.connecting ??= this.open().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  /** Called after every reconnect (not the first connect), before channels are re-opened. */
  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Connected now (not closed, not reconnecting). */
  get isUp(): boolean {
    return this.up && !this.closed;
  }

  async createChannel(): Promise<Channel> {
    return this.watch(await this.ready().createChannel());
  }

  async createConfirmChannel(): Promise<ConfirmChannel> {
    return this.watch(await this.ready().createConfirmChannel());
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connecting?.catch(() => undefined);
    await this.model?.close().catch(() => undefined);
  }

  private ready(): RecoveringChannelModel {
    if (this.closed) throw new PolybusError('POLYBUS_RABBITMQ_CLOSED', 'the RabbitMQ transport is closed');
    if (!this.model) throw new PolybusError('POLYBUS_RABBITMQ_NOT_CONNECTED', 'call connect() first');
    return this.model;
  }

  // An 'error' event without a listener would crash the process; the 'close' that follows is
  // what owners act on.
  private watch<T extends Channel>(channel: T): T {
    channel.on('error', (err: Error) =>
      this.logger.debug('rabbitmq channel error', { role: this.role, error: err.message }),
    );
    return channel;
  }

  private async open(): Promise<void> {
    const { options, logger } = this;
    const model = await connect(options.url, {
      // The socket gives up on a broker that accepted it and says nothing, as the wait below does.
      timeout: options.connectTimeoutMs,
      clientProperties: { connection_name: `${options.connectionName}-${this.role}` },
      ...(options.heartbeatSeconds === undefined ? {} : { heartbeat: options.heartbeatSeconds }),
      recovery: {
        initialDelay: options.reconnectInitialDelayMs,
        maxDelay: options.reconnectMaxDelayMs,
        initialMaxRetries: options.connectRetries,
        maxRetries: Infinity,
        waitForConnect: false,
      },
    });
    this.model = model;
    model.on('error', (err: Error) =>
      logger.debug('rabbitmq connection error', { role: this.role, error: err.message }),
    );
    model.on('disconnect', (err: Error) => {
      this.up = false;
      logger.warn('rabbitmq connection lost, reconnecting', { role: this.role, error: err.message });
    });
    model.on('connect', () => {
      this.up = true;
      this.connections += 1;
      if (this.connections === 1) return;
      logger.info('rabbitmq reconnected', { role: this.role });
      for (const listener of this.reconnectListeners) listener();
    });
    try {
      await withTimeout(
        model.waitForConnect(),
        options.connectTimeoutMs,
        () => new Error(`no answer within connectTimeoutMs ${options.connectTimeoutMs} ms`),
      );
    } catch (cause) {
      // Its recovery would go on dialling in the background: stop it; connect() starts afresh.
      this.model = undefined;
      await model.close().catch(() => undefined);
      throw new ConnectionError(
        'RabbitMQ',
        withoutCredentials(options.url),
        (cause as Error).message,
        'check that RabbitMQ runs there and that the URL has the right user, password and vhost',
        { cause },
      );
    }
  }
}
