import type { TransportMessage } from './message';

/** One dead letter as the broker keeps it, read without being consumed. */
export interface StoredDeadLetter {
  /**
   * Handle that `DeadLetterBatch.remove` takes (Kafka `partition:offset`, Redis entry id, SQS
   * receipt handle, RabbitMQ delivery tag). Valid only within the batch that returned it.
   */
  readonly ref: string;
  /** The letter as published to the dead-letter topic: original id, key, body and `polybus-dlq-*` headers. */
  readonly message: TransportMessage;
  /** When the broker took the letter (ms since the epoch), where it says; else `polybus-dlq-failed-at`. */
  readonly storedAt?: number;
}

/**
 * Letters read from a dead-letter topic and held for the reader until `release` or `remove`.
 *
 * - Letters not removed stay in the broker, in their order, once the batch is released (and when
 *   the reader's process dies: the broker gives them back on its own).
 * - `remove` deletes the named letters for good; refs already gone are ignored. Where the broker
 *   can only drop a prefix of the log (Kafka), `removesEach` is false and `remove` drops letters up
 *   to the highest ref of a contiguous run from the oldest, keeping the rest.
 */
export interface DeadLetterBatch {
  readonly letters: readonly StoredDeadLetter[];
  /** False where only a prefix can be removed (see above). */
  readonly removesEach: boolean;
  remove(refs: readonly string[]): Promise<void>;
  release(): Promise<void>;
}

/**
 * A transport's read access to what it dead-lettered, for operators (the `polybus dlq` commands).
 * Reading never consumes: a binding on the dead-letter topic, another reader, or a later read
 * still sees every letter not removed.
 */
export interface DeadLetterAccess {
  /**
   * Up to `limit` letters of `deadLetterTopic`, oldest first. To page: on a log (Kafka, Redis) pass
   * `after`, the last ref of the previous batch; on a queue (RabbitMQ, SQS) keep the previous batch
   * unreleased, and the next browse returns the letters after it. An empty batch means none are left.
   * A topic the broker does not have rejects with `ConfigurationError` naming it, so a mistyped name
   * is not read as an empty topic.
   */
  browse(deadLetterTopic: string, options: { limit: number; after?: string }): Promise<DeadLetterBatch>;
}
