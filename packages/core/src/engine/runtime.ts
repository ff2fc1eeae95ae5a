import type { ResolvedBinding } from '../bind-options';
import type { Handler } from '../handler';
import type { Logger } from '../logger';
import type { TransportMessage } from '../message';
import type { Transport } from '../transport';
import type { BindingCounters } from './counters';

/** What the middlewares of one binding share. */
export interface BindingRuntime {
  readonly binding: ResolvedBinding;
  readonly handler: Handler<unknown>;
  readonly transport: Transport;
  readonly logger: Logger;
  readonly counters: BindingCounters;
  /** Aborted when the bus begins to stop: retry waits end early and hand the message back. */
  readonly stopping: AbortSignal;
  /** Unique per process; idempotency lock owners are `${ownerPrefix}:${n}`. */
  readonly ownerPrefix: string;
  /** Encodes a body the way `bus.publish` does. */
  encode(topic: string, body: unknown, options: EncodeOptions): TransportMessage;
}

export interface EncodeOptions {
  id?: string;
  key?: string;
  headers?: Record<string, string>;
  idempotencyKey?: string;
}
