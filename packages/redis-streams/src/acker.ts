import type { Redis } from 'ioredis';

/**
 * Coalesces the XACKs of one stream and group issued in the same turn of the event loop into one
 * `XACK stream group id...`: a busy consumer acks hundreds of entries per round trip. Every ack of
 * a batch shares the batch's promise, so an ack costs an array slot, not a promise of its own.
 */
export class Acker {
  private ids: string[] = [];
  private batch?: Promise<void>;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly redis: Redis,
    private readonly stream: string,
    private readonly group: string,
  ) {}

  ack(id: string): Promise<void> {
    this.ids.push(id);
    this.batch ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.flush());
    return this.batch;
  }

  /** Resolves when every ack requested so far has its reply. */
  async drain(): Promise<void> {
    if (this.batch) await this.batch.catch(() => undefined);
    await Promise.allSettled([...this.inFlight]);
  }

  private async flush(): Promise<void> {
    const ids = this.ids;
    this.ids = [];
    this.batch = undefined;
    const sent = this.redis.xack(this.stream, this.group, ...ids);
    this.inFlight.add(sent);
    try {
      await sent;
    } finally {
      this.inFlight.delete(sent);
    }
  }
}
