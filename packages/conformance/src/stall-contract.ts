import { ConnectionError, createBus, PublishError, silentLogger, type Transport } from '@polybus/core';
import { createSpy } from '@polybus/core/testing';
import { tcpProxy } from './tcp-proxy';

/** The `publishTimeoutMs` and `connectTimeoutMs` a transport under this contract is built with. */
export const STALL_TIMEOUTS = { publishTimeoutMs: 2_000, connectTimeoutMs: 2_000 } as const;
/** What a rejection may take beyond its timeout: the machines are shared, the bound is loose. */
const SLACK_MS = 8_000;

/**
 * A broker that stops answering never leaves a caller waiting forever, the same on every adapter.
 * `make(port)` builds a transport that reaches the broker at 127.0.0.1:`port` with
 * `STALL_TIMEOUTS`. Through a proxy that holds every byte (connections stay open):
 * - a `bus.start()` rejects with `ConnectionError` within `connectTimeoutMs` (+ slack);
 * - on a running bus, a `publish` rejects with `PublishError` within `publishTimeoutMs` (+ slack)
 *   while the consumer's messages wait, and once the broker answers again, a new publish goes
 *   through and is consumed: the stall costs the calls made during it, not the bus.
 */
export async function expectStalledBrokerAnswered(
  broker: { host: string; port: number },
  make: (port: number) => Transport,
  topic: string,
): Promise<void> {
  const proxy = await tcpProxy(broker.host, broker.port);
  const buses = [];
  try {
    // Connect against a broker that accepts the connection and never answers.
    proxy.stall();
    const early = createBus({ transport: make(proxy.port), logger: silentLogger });
    buses.push(early);
    const began = Date.now();
    const failure = await early.start().then(
      () => new Error('start() resolved with the broker stalled'),
      (error: unknown) => error,
    );
    expect({ connectionError: ConnectionError.is(failure), message: String(failure) }).toMatchObject({
      connectionError: true,
    });
    expect(Date.now() - began).toBeLessThan(STALL_TIMEOUTS.connectTimeoutMs + SLACK_MS);
    proxy.resume();

    const bus = createBus({ transport: make(proxy.port), logger: silentLogger });
    buses.push(bus);
    const spy = createSpy<{ n: number }>();
    bus.bind(topic, spy.handler, { group: 'stall' });
    await bus.start();
    const before = await bus.publish(topic, { n: 1 });
    await spy.waitFor({ id: before.id }, { timeoutMs: 30_000 });

    proxy.stall();
    const stalledAt = Date.now();
    const during = await bus.publish(topic, { n: 2 }).then(
      () => 'published while the broker answered nothing',
      (error: unknown) => error,
    );
    expect({ publishError: PublishError.is(during), message: String(during) }).toMatchObject({
      publishError: true,
    });
    expect(Date.now() - stalledAt).toBeLessThan(STALL_TIMEOUTS.publishTimeoutMs + SLACK_MS);

    proxy.resume();
    const after = await bus.publish(topic, { n: 3 });
    await spy.waitFor({ id: after.id }, { timeoutMs: 30_000 });
  } finally {
    proxy.resume();
    await Promise.allSettled(buses.map((b) => b.stop({ timeoutMs: 2_000 })));
    await proxy.close();
  }
}
