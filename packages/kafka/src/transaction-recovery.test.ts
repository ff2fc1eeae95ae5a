import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, type KafkaJSProtocolError } from 'kafkajs';
import { backoffDelay } from '@polybus/core/transport';
import { recoveryFor, TRANSACTION_ATTEMPTS, TRANSACTION_BACKOFF } from './transaction-recovery';

const { createErrorFromCode } = require('kafkajs/src/protocol/error') as {
  createErrorFromCode(code: number): KafkaJSProtocolError;
};

const concurrent = () => createErrorFromCode(51);
const exhausted = (error: Error) =>
  new KafkaJSNumberOfRetriesExceeded(error, { retryCount: 5, retryTime: 1_000 });

describe('recoveryFor', () => {
  it('retries a coordinator refusal on the same producer once the transaction was aborted', () => {
    for (const step of ['begin', 'produce', 'offsets', 'commit'] as const) {
      expect(recoveryFor({ error: concurrent(), step, producerReady: true })).toBe('retry');
    }
    expect(recoveryFor({ error: exhausted(concurrent()), step: 'produce', producerReady: true })).toBe(
      'retry',
    );
  });

  it('rebuilds when kafkajs left the producer unable to begin (a failed commit or abort)', () => {
    expect(recoveryFor({ error: concurrent(), step: 'commit', producerReady: false })).toBe('rebuild');
    expect(
      recoveryFor({ error: concurrent(), step: 'offsets', producerReady: false, abortError: concurrent() }),
    ).toBe('rebuild');
  });

  it('rebuilds after a produce request whose outcome is unknown, retries one elsewhere', () => {
    const timeout = exhausted(createErrorFromCode(7));
    expect(recoveryFor({ error: timeout, step: 'produce', producerReady: true })).toBe('rebuild');
    expect(
      recoveryFor({ error: new KafkaJSConnectionError('closed'), step: 'produce', producerReady: true }),
    ).toBe('rebuild');
    expect(recoveryFor({ error: timeout, step: 'offsets', producerReady: true })).toBe('retry');
  });

  it('rebuilds after any other error', () => {
    expect(recoveryFor({ error: new Error('boom'), step: 'offsets', producerReady: true })).toBe('rebuild');
    expect(recoveryFor({ error: createErrorFromCode(48), step: 'commit', producerReady: true })).toBe(
      'rebuild',
    );
  });

  it('is fenced when the error or the abort after it says so', () => {
    expect(recoveryFor({ error: createErrorFromCode(47), step: 'commit', producerReady: false })).toBe(
      'fenced',
    );
    expect(
      recoveryFor({
        error: concurrent(),
        step: 'offsets',
        producerReady: false,
        abortError: createErrorFromCode(47),
      }),
    ).toBe('fenced');
  });

  it('bounds the pauses: a few seconds in all', () => {
    const worst = Array.from({ length: TRANSACTION_ATTEMPTS - 1 }, (_, i) =>
      backoffDelay(i + 1, TRANSACTION_BACKOFF, () => 1),
    );
    expect(worst).toEqual([50, 150, 450, 1350]);
  });
});
