import { ConnectionError, createBus, PublishError, silentLogger, type Transport } from '@polybus/core';

/** How long a start against a broker that is not there may take before it must have failed. */
const START_FAILS_WITHIN_MS = 15_000;

/**
 * The broker-down contract, the same for every adapter: with nothing listening at the address,
 * `bus.start()` rejects with a `ConnectionError` that names the broker and the address (and no
 * password), a publish afterwards is answered (it rejects) instead of waiting for a broker that
 * never comes, and a second start dials again (a failed connect is not cached). Call it from a test with a transport pointed at a closed port.
 */
export async function expectBrokerDownContract(
  transport: Transport,
  expected: { broker: string; address: string; secret?: string },
): Promise<void> {
  const bus = createBus({ transport, logger: silentLogger });
  bus.bind('polybus-broker-down', async () => undefined, { group: 'g' });
  const began = Date.now();
  const failure = await bus.start().then(
    () => new Error('start() resolved with no broker there'),
    (error: unknown) => error,
  );
  expect(Date.now() - began).toBeLessThan(START_FAILS_WITHIN_MS);
  expect(ConnectionError.is(failure)).toBe(true);
  const error = failure as ConnectionError;
  expect({ broker: error.broker, address: error.address }).toEqual({
    broker: expected.broker,
    address: expected.address,
  });
  expect(error.message).toContain(expected.address);
  if (expected.secret !== undefined) expect(error.message).not.toContain(expected.secret);
  const published = await Promise.race([
    bus.publish('polybus-broker-down', { n: 1 }).then(
      () => 'published',
      (e: unknown) => e,
    ),
    new Promise((resolve) => setTimeout(() => resolve('still pending'), START_FAILS_WITHIN_MS)),
  ]);
  expect(ConnectionError.is(published) || PublishError.is(published)).toBe(true);
  // Nothing is kept from the failed attempt: a second start dials again and fails the same way.
  const again = await bus.start().then(
    () => new Error('start() resolved with no broker there'),
    (e: unknown) => e,
  );
  expect(ConnectionError.is(again)).toBe(true);
  await bus.stop({ timeoutMs: 1_000 }).catch(() => undefined);
}
