import type { TransportMessage } from '../message';
import type { Delivery, DeliveryHandler } from '../transport';

/** What a lease's settlement goes back to: its group. */
export interface LeaseSettler {
  ack(lease: Lease): Promise<void>;
  nack(lease: Lease, delayMs: number, attempt: number | undefined): Promise<void>;
}

/** A message waiting in one group, with the attempt number its next delivery reports. */
export interface Entry {
  readonly message: TransportMessage;
  readonly seq: number;
  attempt: number;
}

/** A consumer of the group: one subscription of one transport. */
export interface Member {
  readonly owner: object;
  readonly handler: DeliveryHandler;
  readonly concurrency: number;
  /** At-most-once consumers: the broker forgets a message when it hands it over (no-ack mode). */
  readonly autoAck: boolean;
  inFlight: number;
}

/** One delivery of an entry to a member; it is also the Delivery the member's handler gets. */
export class Lease implements Delivery {
  deadline = 0;
  /** Auto-ack leases are never redelivered; this marks that their slot was given back. */
  done = false;
  readonly message: TransportMessage;
  readonly attempt: number;

  constructor(
    private readonly group: LeaseSettler,
    readonly entry: Entry,
    readonly member: Member,
  ) {
    this.message = entry.message;
    this.attempt = entry.attempt;
  }

  get coordinates(): Record<string, string> {
    return { 'memory-sequence': String(this.entry.seq) };
  }

  ack(): Promise<void> {
    return this.group.ack(this);
  }

  nack(options?: { delayMs?: number; attempt?: number }): Promise<void> {
    return this.group.nack(this, options?.delayMs ?? 0, options?.attempt);
  }
}
