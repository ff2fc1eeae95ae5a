import { IdempotencyStoreUnavailableError } from '../errors/idempotency-store-unavailable-error';
import { MaxAttemptsError } from '../errors/max-attempts-error';
import { PermanentError } from '../errors/permanent-error';
import { retry } from './retry';
import { fakeDelivery, fakeTransport, processing, runtime } from './test-support';

describe('retry', () => {
  it('retries transient failures in process and counts attempts', async () => {
    const attempts: number[] = [];
    const rt = runtime({ retry: { maxAttempts: 4, initialDelayMs: 0, maxDelayMs: 0 } });
    const p = processing();
    await retry(rt)(async (q) => {
      attempts.push(q.attempt);
      if (q.attempt < 3) throw new Error('transient');
    })(p);
    expect(attempts).toEqual([1, 2, 3]);
    expect(rt.counters).toMatchObject({ failed: 2, retried: 2 });
  });

  it('throws MaxAttemptsError carrying the last error after maxAttempts', async () => {
    const rt = runtime({ retry: { maxAttempts: 3, initialDelayMs: 0, maxDelayMs: 0 } });
    const error = await retry(rt)(async () => {
      throw new Error('still broken');
    })(processing()).catch((e: unknown) => e);
    expect(MaxAttemptsError.is(error)).toBe(true);
    expect((error as MaxAttemptsError).attempts).toBe(3);
    expect((error as Error).cause).toEqual(new Error('still broken'));
  });

  it('passes final errors through without retrying', async () => {
    let calls = 0;
    const step = retry(runtime())(async () => {
      calls++;
      throw new PermanentError('no');
    });
    await expect(step(processing())).rejects.toThrow('no');
    expect(calls).toBe(1);
  });

  it('hands the message to delayed redelivery after the immediate attempts, with the next attempt number', async () => {
    const transport = fakeTransport({ delayedRedelivery: true });
    const rt = runtime(
      { retry: { maxAttempts: 10, immediateAttempts: 2, initialDelayMs: 0, maxDelayMs: 0 } },
      undefined,
      transport,
    );
    const d = fakeDelivery({}, 4);
    const p = processing(d);
    await retry(rt)(async () => {
      throw new Error('transient');
    })(p);
    expect(d.settlements).toEqual([{ kind: 'nack', delayMs: 0, attempt: 6 }]);
    expect(p.settled).toBe(true);
    expect(rt.counters.redelivered).toBe(1);
  });

  it('keeps per-key bindings in process so later messages of the key cannot overtake', async () => {
    const transport = fakeTransport({ delayedRedelivery: true });
    const rt = runtime(
      {
        ordering: 'per-key',
        retry: { maxAttempts: 5, immediateAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
      },
      undefined,
      transport,
    );
    const d = fakeDelivery();
    let calls = 0;
    await retry(rt)(async () => {
      if (++calls < 4) throw new Error('transient');
    })(processing(d));
    expect(calls).toBe(4);
    expect(d.settlements).toEqual([]);
  });

  it('waits out an unavailable store without spending attempts', async () => {
    const rt = runtime({ retry: { maxAttempts: 2, initialDelayMs: 0, maxDelayMs: 0 } });
    const p = processing();
    let calls = 0;
    await retry(rt)(async () => {
      if (++calls <= 5) throw new IdempotencyStoreUnavailableError('down');
    })(p);
    expect(calls).toBe(6);
    expect(p.attempt).toBe(1);
  });

  it('hands the message back at once when the bus is stopping', async () => {
    const stop = new AbortController();
    const rt = runtime(
      { retry: { maxAttempts: 5, initialDelayMs: 60_000, maxDelayMs: 60_000 } },
      undefined,
      undefined,
      stop.signal,
    );
    const d = fakeDelivery();
    const run = retry(rt)(async () => {
      throw new Error('transient');
    })(processing(d));
    setTimeout(() => stop.abort(), 10);
    await run;
    expect(d.settlements).toEqual([{ kind: 'nack', delayMs: expect.any(Number), attempt: 2 }]);
  });
});
