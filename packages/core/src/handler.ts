import type { Logger } from './logger';
import type { Message, PublishOptions, PublishReceipt } from './message';

/** What a handler gets beside its message. */
export interface HandlerContext {
  /** 1-based, counted across in-process retries and broker redeliveries. */
  readonly attempt: number;
  /** Aborted when the binding's timeout passes or the bus stops before the handler finishes. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  readonly group: string;
  /**
   * The idempotency store's transaction when it runs one (postgresInbox: the pg client inside
   * BEGIN). Undefined otherwise.
   */
  readonly transaction: unknown;
  /**
   * Publish as part of this handling: inside the Kafka transaction for exactly-once bindings on
   * Kafka, into the outbox for a postgres inbox, otherwise a publish confirmed by the broker.
   */
  publish<T>(topic: string, body: T, options?: Omit<PublishOptions, 'guarantee'>): Promise<PublishReceipt>;
}

/** Throw `PermanentError` for failures no retry can fix; any other error is retried. */
export type Handler<T = unknown> = (message: Message<T>, ctx: HandlerContext) => Promise<void> | void;
