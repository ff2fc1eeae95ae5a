import { bytesCodec, createBus, Headers, memoryTransport, PermanentError, silentLogger } from '@polybus/core';
import { createSpy, waitFor } from '@polybus/core/testing';

describe('a delivery the chain cannot settle', () => {
  it('is handed back when its dead letter cannot be written, and reaches the dead letter once the broker takes it', async () => {
    const transport = memoryTransport({ namespace: 'dispatcher-rescue', visibilityTimeoutMs: 5_000 });
    const bus = createBus({ transport, logger: silentLogger });
    let attempts = 0;
    bus.bind(
      'payments',
      () => {
        attempts++;
        throw new PermanentError('bad payment');
      },
      { group: 'g', retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 } },
    );
    const dlq = createSpy<Buffer>();
    bus.bind('payments.dlq', dlq.handler, { group: 'ops', codec: bytesCodec });
    await bus.start();
    const sent = await bus.publish('payments', { amount: -1 });

    transport.faults.publishFailureRate = 1; // the broker refuses the dead-letter copy
    await waitFor(() => attempts >= 3, { timeoutMs: 5_000 });
    expect(dlq.processed).toEqual([]);
    const during = bus.stats().find((b) => b.topic === 'payments')!;
    expect(during.counters.deadLettered).toBe(0);

    transport.faults.publishFailureRate = 0; // the broker is back
    const dead = await dlq.waitFor({ id: sent.id }, { timeoutMs: 5_000 });
    expect(dead.headers[Headers.dlqReason]).toBe('permanent-error');
    await waitFor(() => bus.stats().every((b) => b.inFlight === 0), { timeoutMs: 5_000 });
    expect(bus.stats().find((b) => b.topic === 'payments')!.counters.deadLettered).toBe(1);
    await bus.stop();
  });
});

describe('handler timeouts through the bus', () => {
  it('frees the slot of a handler that hangs and ignores its signal: the retry succeeds, the letter is not stuck', async () => {
    const bus = createBus({ url: 'memory://dispatcher-timeout', logger: silentLogger });
    const attempts: number[] = [];
    const done: string[] = [];
    bus.bind<{ n: number }>(
      'jobs',
      async (m, ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt === 1) return new Promise<void>(() => undefined); // hangs for ever
        done.push(String(m.body.n));
      },
      {
        group: 'g',
        concurrency: 1,
        timeoutMs: 100,
        retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 1 },
      },
    );
    await bus.start();
    await bus.publish('jobs', { n: 1 });
    await bus.publish('jobs', { n: 2 });
    // With concurrency 1, the hung first attempt would block message 2 for ever without the timeout.
    await waitFor(() => done.length === 2, { timeoutMs: 5_000, description: 'both processed' });
    expect(done).toEqual(['1', '2']);
    expect(bus.stats()[0].counters.retried).toBe(2);
    await bus.stop({ timeoutMs: 1_000 });
  });
});
