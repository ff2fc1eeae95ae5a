import {
  KafkaJSConnectionError,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
} from 'kafkajs';
import {
  isCoordinatorRejection,
  isFencedTransactionError,
  isRetriableTransactionError,
} from './transaction-errors';

// kafkajs builds a broker's error answer with this (not in its typings): the real classes and codes.
const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode(code: number): KafkaJSProtocolError;
};

const CONCURRENT_TRANSACTIONS = 51;
const COORDINATOR_LOAD_IN_PROGRESS = 14;
const COORDINATOR_NOT_AVAILABLE = 15;
const NOT_COORDINATOR = 16;
const REQUEST_TIMED_OUT = 7;
const INVALID_PRODUCER_EPOCH = 47;
const INVALID_TXN_STATE = 48;

/** What kafkajs' retrier throws when its retries of a retriable error ran out. */
const retriesExceeded = (error: Error) =>
  new KafkaJSNumberOfRetriesExceeded(error, { retryCount: 5, retryTime: 1_000 });
/** What kafkajs' retrier throws for an error it does not retry; its typings omit the cause. */
const NonRetriable = KafkaJSNonRetriableError as unknown as new (
  e: Error,
  metadata: { cause: Error },
) => KafkaJSNonRetriableError;
const nonRetriable = (error: Error) => new NonRetriable(error, { cause: error });

describe('isRetriableTransactionError', () => {
  it.each([
    ['CONCURRENT_TRANSACTIONS', CONCURRENT_TRANSACTIONS],
    ['COORDINATOR_LOAD_IN_PROGRESS', COORDINATOR_LOAD_IN_PROGRESS],
    ['COORDINATOR_NOT_AVAILABLE', COORDINATOR_NOT_AVAILABLE],
    ['NOT_COORDINATOR', NOT_COORDINATOR],
    ['REQUEST_TIMED_OUT', REQUEST_TIMED_OUT],
  ])('%s from the broker is retriable, also when kafkajs gave up retrying it', (_, code) => {
    const error = createErrorFromCode(code);
    expect(error).toBeInstanceOf(KafkaJSProtocolError);
    expect(isRetriableTransactionError(error)).toBe(true);
    expect(isRetriableTransactionError(retriesExceeded(error))).toBe(true);
    expect(isRetriableTransactionError(retriesExceeded(retriesExceeded(error)))).toBe(true);
  });

  it('reads the protocol name in type, whichever kafkajs uses, and a wrapper by originalError', () => {
    expect(isRetriableTransactionError({ type: 'COORDINATOR_LOAD_IN_PROGRESS', retriable: false })).toBe(
      true,
    );
    expect(isRetriableTransactionError({ name: 'NOT_COORDINATOR' })).toBe(true);
    expect(isRetriableTransactionError({ originalError: { type: 'CONCURRENT_TRANSACTIONS' } })).toBe(true);
    expect(isRetriableTransactionError(new Error('x', { cause: createErrorFromCode(51) }))).toBe(true);
  });

  it('is retriable for any error kafkajs marks retriable (a connection error)', () => {
    const error = new KafkaJSConnectionError('Connection timeout');
    expect(isRetriableTransactionError(error)).toBe(true);
    expect(isRetriableTransactionError(retriesExceeded(error))).toBe(true);
  });

  it('is not retriable when fenced, however wrapped', () => {
    const fenced = createErrorFromCode(INVALID_PRODUCER_EPOCH);
    expect(isRetriableTransactionError(fenced)).toBe(false);
    expect(isRetriableTransactionError(nonRetriable(fenced))).toBe(false);
    expect(isRetriableTransactionError(retriesExceeded(fenced))).toBe(false);
    expect(isRetriableTransactionError({ type: 'PRODUCER_FENCED', retriable: true })).toBe(false);
    // kafkajs 2.2.4 does not know code 90 (PRODUCER_FENCED)
    expect(isRetriableTransactionError(createErrorFromCode(90))).toBe(false);
    // a retriable wrapper around a fenced cause is still fenced
    expect(isRetriableTransactionError({ retriable: true, cause: fenced })).toBe(false);
  });

  it('is not retriable for other errors', () => {
    expect(isRetriableTransactionError(createErrorFromCode(INVALID_TXN_STATE))).toBe(false);
    expect(isRetriableTransactionError(nonRetriable(createErrorFromCode(INVALID_TXN_STATE)))).toBe(false);
    expect(
      isRetriableTransactionError(
        new KafkaJSNonRetriableError(
          'Transaction state exception: Cannot call "beginTransaction" in state "COMMITTING"',
        ),
      ),
    ).toBe(false);
    expect(isRetriableTransactionError(new TypeError('x is undefined'))).toBe(false);
    expect(isRetriableTransactionError(new Error('boom'))).toBe(false);
    expect(isRetriableTransactionError(undefined)).toBe(false);
    expect(isRetriableTransactionError('CONCURRENT_TRANSACTIONS')).toBe(false);
  });

  it('ends on a cycle of causes', () => {
    const a: { cause?: unknown; message: string } = { message: 'a' };
    a.cause = { message: 'b', cause: a };
    expect(isRetriableTransactionError(a)).toBe(false);
  });
});

describe('isFencedTransactionError', () => {
  it('INVALID_PRODUCER_EPOCH, PRODUCER_FENCED and a fencing message, wrapped or not', () => {
    const epoch = createErrorFromCode(INVALID_PRODUCER_EPOCH);
    expect(isFencedTransactionError(epoch)).toBe(true);
    expect(isFencedTransactionError(nonRetriable(epoch))).toBe(true);
    expect(isFencedTransactionError(retriesExceeded(epoch))).toBe(true);
    expect(isFencedTransactionError(createErrorFromCode(90))).toBe(true);
    expect(isFencedTransactionError({ type: 'PRODUCER_FENCED' })).toBe(true);
    expect(isFencedTransactionError(new KafkaJSNonRetriableError('Producer has been fenced'))).toBe(true);
  });

  it('not for retriable or other errors', () => {
    expect(isFencedTransactionError(createErrorFromCode(CONCURRENT_TRANSACTIONS))).toBe(false);
    expect(isFencedTransactionError(new Error('boom'))).toBe(false);
    expect(isFencedTransactionError(undefined)).toBe(false);
  });
});

describe('isCoordinatorRejection', () => {
  it('a coordinator refusal, not a timeout whose outcome is unknown', () => {
    expect(isCoordinatorRejection(retriesExceeded(createErrorFromCode(CONCURRENT_TRANSACTIONS)))).toBe(true);
    expect(isCoordinatorRejection(createErrorFromCode(NOT_COORDINATOR))).toBe(true);
    expect(isCoordinatorRejection(createErrorFromCode(REQUEST_TIMED_OUT))).toBe(false);
    expect(isCoordinatorRejection(new KafkaJSConnectionError('Connection timeout'))).toBe(false);
    expect(isCoordinatorRejection(createErrorFromCode(INVALID_PRODUCER_EPOCH))).toBe(false);
  });
});
