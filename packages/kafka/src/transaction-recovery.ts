import type { ResolvedRetry } from '@polybus/core';
import {
  isCoordinatorRejection,
  isFencedTransactionError,
  isRetriableTransactionError,
} from './transaction-errors';

/** The steps of one consume-transform-produce transaction, in order. */
export type TransactionStep = 'begin' | 'produce' | 'offsets' | 'commit';

/** How one transaction attempt failed. */
export interface TransactionFailure {
  readonly error: unknown;
  readonly step: TransactionStep;
  /**
   * The producer can begin a new transaction: the failed one was aborted cleanly (or never began).
   * kafkajs 2.2.4 leaves a producer whose EndTxn (commit or abort) failed in a state it cannot
   * leave, so after such a failure this is false whatever the error.
   */
  readonly producerReady: boolean;
  /** The abort after the failure failed too (then `producerReady` is false). */
  readonly abortError?: unknown;
}

/**
 * What to do after a failed attempt:
 * - `fenced`: a newer owner has the transactional id; give the partition up.
 * - `retry`: wait and run the transaction again on the same producer.
 * - `rebuild`: replace the producer (a new epoch), then run it again.
 */
export type TransactionRecovery = 'fenced' | 'retry' | 'rebuild';

/** Attempts of one batch's transaction, the first included, before its deliveries are failed. */
export const TRANSACTION_ATTEMPTS = 5;

/** Pauses between attempts, for `backoffDelay`: about 50, 150, 450, 1350 ms, jittered. */
export const TRANSACTION_BACKOFF: ResolvedRetry = {
  maxAttempts: TRANSACTION_ATTEMPTS,
  initialDelayMs: 50,
  maxDelayMs: 2_000,
  multiplier: 3,
  jitter: true,
  immediateAttempts: 0,
};

/**
 * Retries stay on the producer when the error is retriable (see `isRetriableTransactionError`) and
 * the producer is ready. A produce request whose outcome is unknown (a timeout, a dropped
 * connection) is the exception: kafkajs rewinds its sequence numbers after such a failure, so the
 * same epoch sending the batch again could be taken by the broker for a duplicate of the aborted
 * one and dropped; a new epoch starts the sequences afresh. A coordinator's refusal in that step
 * (AddPartitionsToTxn: CONCURRENT_TRANSACTIONS, ...) produced nothing, so it stays. Everything
 * else that is not fenced rebuilds.
 */
export function recoveryFor(failure: TransactionFailure): TransactionRecovery {
  const { error, step, producerReady, abortError } = failure;
  if (isFencedTransactionError(error) || isFencedTransactionError(abortError)) return 'fenced';
  if (!producerReady || !isRetriableTransactionError(error)) return 'rebuild';
  if (step === 'produce' && !isCoordinatorRejection(error)) return 'rebuild';
  return 'retry';
}
