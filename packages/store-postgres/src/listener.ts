import type { Pool, PoolClient } from 'pg';
import type { Logger } from '@polybus/core';

/**
 * Holds one pooled connection in LISTEN on the outbox channel and calls `onNotify` for each
 * notification. If the connection breaks, the relay is woken and `ensure` listens again on its
 * next round (which also catches up on rows written meanwhile); until it succeeds the relay polls.
 */
export class OutboxListener {
  private client: PoolClient | undefined;
  private connecting: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly channel: string,
    private readonly onNotify: () => void,
    private readonly logger: Logger,
  ) {}

  ensure(): Promise<void> {
    if (this.client || this.connecting) return this.connecting ?? Promise.resolve();
    this.connecting = this.listen().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async listen(): Promise<void> {
    let client: PoolClient | undefined;
    try {
      client = await this.pool.connect();
      const held = client;
      held.on('notification', this.onNotify);
      held.on('error', (error) => this.drop(held, error));
      await held.query(`LISTEN "${this.channel}"`);
      this.client = held;
      // rows written while we were not listening would otherwise wait for the next poll
      this.onNotify();
    } catch (error) {
      this.logger.warn('outbox relay: LISTEN failed, polling only until it works again', { error });
      if (client) this.drop(client, error);
    }
  }

  private drop(client: PoolClient, error: unknown): void {
    client.removeListener('notification', this.onNotify);
    if (this.client === client) {
      this.client = undefined;
      // wake the relay: its next round listens again instead of sleeping through a long poll
      this.onNotify();
    }
    try {
      client.release(error instanceof Error ? error : true);
    } catch {
      // already released
    }
  }

  async close(): Promise<void> {
    await this.connecting;
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    client.removeListener('notification', this.onNotify);
    await client.query(`UNLISTEN "${this.channel}"`).catch(() => undefined);
    client.release();
  }
}
