import type { Message as SqsMessage } from '@aws-sdk/client-sqs';
import type { HeartbeatEntry } from './heartbeat';

/** A received message this subscription holds until it is settled or released. */
export class HeldMessage implements HeartbeatEntry {
  extendedAt = 0;
  prevBeat: HeartbeatEntry | undefined = undefined;
  nextBeat: HeartbeatEntry | undefined = undefined;
  /** At-most-once: resolves true once deleted; a message whose delete failed is not handed over. */
  deleted: Promise<boolean> | undefined = undefined;

  constructor(
    readonly sqs: SqsMessage,
    readonly queueUrl: string,
    readonly handle: string,
    /** FIFO group (or key with per-key ordering): never two of one at once. */
    readonly serialKey: string | undefined,
  ) {}
}
