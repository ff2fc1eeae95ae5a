import type { Logger, MessageHeaders, TransportMessage } from '@polybus/core';
import { copyWithHeaders, type Coordinates, type Delivery } from '@polybus/core/transport';
import type { Redis } from 'ioredis';
import type { HeldLink } from './held';
import { xaddArgs } from './publisher';

const settledAlready: Promise<void> = Promise.resolve();

/** What a delivery needs from its subscription. */
export interface DeliveryHost {
  readonly stream: string;
  readonly group: string;
  /** at-most-once reads with NOACK: the entry left the pending list when it was read. */
  readonly noAck: boolean;
  readonly commands: Redis;
  readonly logger: Logger;
  /** Queues the entry's XACK (batched; a failure is logged and the entry claimed again later). */
  ackEntry(entryId: string): void;
  /** Called once, on the first settlement: frees the concurrency slot and stops the heartbeat for it. */
  settled(delivery: StreamDelivery): void;
  /** Keeps the entry pending and hands it over again after `delayMs` with `attempt`. */
  redeliver(entryId: string, message: TransportMessage, delayMs: number, attempt: number): void;
}

/**
 * One delivery of one stream entry. `nack` leaves the entry in the group's pending list (so a crash
 * during the delay still ends in a claim by another member) and this consumer reclaims it after the
 * delay; `deadLetter` writes the copy and acks the original in one MULTI. A class rather than
 * closures: a busy consumer creates one per entry, and this keeps them cheap.
 */
export class StreamDelivery implements Delivery, HeldLink {
  private done = false;
  prevHeld: HeldLink | undefined = undefined;
  nextHeld: HeldLink | undefined = undefined;
  /** Set by the subscription when it gave the slot back for a delivery left unsettled. */
  slotReleased = false;

  constructor(
    private readonly host: DeliveryHost,
    readonly entryId: string,
    readonly message: TransportMessage,
    readonly attempt: number,
  ) {}

  get coordinates(): Coordinates {
    return { 'stream-entry-id': this.entryId };
  }

  get isSettled(): boolean {
    return this.done;
  }

  ack(): Promise<void> {
    if (this.settle('ack') && !this.host.noAck) this.host.ackEntry(this.entryId);
    return settledAlready;
  }

  async nack(options?: { delayMs?: number; attempt?: number }): Promise<void> {
    if (!this.settle('nack') || this.host.noAck) return;
    const attempt = Math.max(options?.attempt ?? 0, this.attempt + 1);
    this.host.redeliver(this.entryId, this.message, Math.max(0, options?.delayMs ?? 0), attempt);
  }

  async deadLetter(topic: string, headers: MessageHeaders): Promise<void> {
    if (!this.settle('dead-letter')) return;
    const copy = copyWithHeaders(this.message, headers, topic);
    // The dead-letter stream is never trimmed by us: it is where operators look for lost work.
    const multi = this.host.commands.multi().xadd(...(xaddArgs(copy, undefined) as [string, ...string[]]));
    if (!this.host.noAck) multi.xack(this.host.stream, this.host.group, this.entryId);
    const results = await multi.exec();
    const failed = results?.find(([error]) => error !== null);
    if (!results || failed) throw failed?.[0] ?? new Error('dead-letter MULTI was discarded');
  }

  private settle(outcome: 'ack' | 'nack' | 'dead-letter'): boolean {
    if (this.done) {
      this.host.logger.warn('redis-streams: delivery settled twice; the second settlement is ignored', {
        stream: this.host.stream,
        entryId: this.entryId,
        outcome,
      });
      return false;
    }
    this.done = true;
    this.host.settled(this);
    return true;
  }
}
