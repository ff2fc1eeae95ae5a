import type { Redis } from 'ioredis';

interface Waiter {
  readonly id: string;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Coalesces the XACKs of one stream and group issued in the same turn of the event loop into one
 * `XACK stream group id...`: a busy consumer acks hundreds of entries per round trip.
 */
export class Acker {
  private batch: Waiter[] = [];
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly stream: string,
    private readonly group: string,
  ) {}

  ack(id: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.batch.length === 0) setImmediate(() => this.flush());
      this.batch.push({ id, resolve, reject });
    });
  }

  /** Resolves when every ack requested so far has its reply. */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }

  private flush(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    const sent = this.redis.xack(this.stream, this.group, ...batch.map((w) => w.id)).then(
      () => batch.forEach((w) => w.resolve()),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    );
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
  }
}
