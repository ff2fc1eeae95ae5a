import type { Logger } from '@polybus/core';
import type { Redis } from 'ioredis';

/**
 * Coalesces the XACKs of one stream and group issued in the same turn of the event loop into one
 * `XACK stream group id...`: a busy consumer acks hundreds of entries per round trip.
 *
 * `ack` only queues the id; it does not wait for the reply. Waiting would gain nothing: an XACK
 * that fails leaves the entry pending, and a claim redelivers it later, which at-least-once allows,
 * while the caller could do nothing else with the failure. Not waiting lets a delivery's objects
 * die as soon as its handler is done instead of living one more round trip (garbage collection is
 * a large part of the consumer's overhead: a third of it in the benchmark's profile). A failed
 * batch is logged once; `drain` (used when the transport closes) waits for every reply.
 */
export class Acker {
  private ids: string[] = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly redis: Redis,
    private readonly stream: string,
    private readonly group: string,
    private readonly logger: Logger,
  ) {}

  ack(id: string): void {
    this.ids.push(id);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Resolves when every ack requested so far has its reply (or its failure logged). */
  async drain(): Promise<void> {
    if (this.scheduled) this.flush();
    await Promise.all([...this.inFlight]);
  }

  private flush(): void {
    if (!this.scheduled) return;
    this.scheduled = false;
    const ids = this.ids;
    this.ids = [];
    if (ids.length === 0) return;
    const sent: Promise<void> = this.redis.xack(this.stream, this.group, ...ids).then(
      () => void this.inFlight.delete(sent),
      (error: unknown) => {
        this.inFlight.delete(sent);
        this.logger.warn('redis-streams: XACK failed; the entries stay pending and will be claimed again', {
          stream: this.stream,
          group: this.group,
          entries: ids.length,
          error: String(error),
        });
      },
    );
    this.inFlight.add(sent);
  }
}
