import type { MessageHeaders, TransportMessage } from '@polybus/core';
import type { Coordinates, Delivery } from '@polybus/core/transport';

/** What a delivery asks of its subscription; each delivery calls one of these at most once. */
export interface DeliverySettler<H> {
  ack(held: H, messageId: string): Promise<void>;
  nack(held: H, messageId: string, delayMs: number | undefined, attempt: number | undefined): Promise<void>;
  deadLetter(
    held: H,
    messageId: string,
    message: TransportMessage,
    topic: string,
    headers: MessageHeaders,
  ): Promise<void>;
}

const RESOLVED = Promise.resolve();

/**
 * One delivery of one received SQS message. Its settle methods run at most once between them: a
 * second settle is ignored, so a slip in the caller cannot delete a message that a nack already
 * gave back. A class rather than closures: a busy consumer makes one per message.
 */
export class SqsDelivery<H> implements Delivery {
  private settled = false;

  constructor(
    readonly message: TransportMessage,
    readonly attempt: number,
    private readonly messageId: string,
    private readonly held: H,
    private readonly settler: DeliverySettler<H>,
  ) {}

  /** Built on demand: only a dead letter reads them. */
  get coordinates(): Coordinates {
    return { 'sqs-message-id': this.messageId };
  }

  ack(): Promise<void> {
    if (this.settled) return RESOLVED;
    this.settled = true;
    return this.settler.ack(this.held, this.messageId);
  }

  nack(options?: { delayMs?: number; attempt?: number }): Promise<void> {
    if (this.settled) return RESOLVED;
    this.settled = true;
    return this.settler.nack(this.held, this.messageId, options?.delayMs, options?.attempt);
  }

  /** True once `ack`, `nack` or `deadLetter` was called (the first call counts). */
  get isSettled(): boolean {
    return this.settled;
  }

  deadLetter(topic: string, headers: MessageHeaders): Promise<void> {
    if (this.settled) return RESOLVED;
    this.settled = true;
    return this.settler.deadLetter(this.held, this.messageId, this.message, topic, headers);
  }
}
