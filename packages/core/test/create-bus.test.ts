import {
  ConfigurationError,
  createBus,
  memoryTransport,
  PublishError,
  silentLogger,
  transportFromUrl,
  type Logger,
  type Transport,
} from '@polybus/core';
import { createSpy, recordingLogger } from '@polybus/core/testing';

/** A memory transport whose publishes take `ms` to be answered and fail once it is closed. */
function slowTransport(ms: number): Transport & { sent: number } {
  const inner = memoryTransport({ namespace: `slow-${Math.random()}` });
  let closed = false;
  const slow = {
    ...inner,
    sent: 0,
    close: async () => {
      closed = true;
      await inner.close();
    },
    publish: async (...args: Parameters<Transport['publish']>) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      if (closed) throw new PublishError(args[0][0]!.topic, 'the transport is closed');
      slow.sent += args[0].length;
    },
  };
  return slow;
}

describe('createBus', () => {
  it('needs exactly one of url and transport', () => {
    expect(() => createBus({})).toThrow(ConfigurationError);
  });

  it('names the package to install for a scheme whose adapter is missing', () => {
    // What Node throws for a package that is not installed, from both lookups the loader tries.
    const missing = (id: string): never => {
      throw Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
    };
    const loader = Object.assign((id: string) => missing(id), { resolve: (id: string) => missing(id) });
    const error = (() => {
      try {
        transportFromUrl('kafka://127.0.0.1:9092', loader);
      } catch (e) {
        return e;
      }
    })();
    expect(ConfigurationError.is(error)).toBe(true);
    expect((error as ConfigurationError).field).toBe('url');
    expect((error as Error).message).toContain('npm install @polybus/kafka kafkajs');
  });

  it("hands the bus's logger to the adapter it makes from the URL", async () => {
    const seen: unknown[] = [];
    const adapter = {
      createTransportFromUrl: (_url: URL | string, context?: { logger?: Logger }) => {
        seen.push(context?.logger);
        return memoryTransport();
      },
    };
    const loader = Object.assign((id: string) => (id === '@polybus/kafka' ? adapter : undefined), {
      resolve: (id: string) => id,
    });
    const logger = recordingLogger();
    transportFromUrl('kafka://127.0.0.1:9092', loader, { logger });
    expect(seen).toEqual([logger]);
  });

  it('loads the adapter package for the scheme when it is installed', () => {
    expect(transportFromUrl('redis://127.0.0.1:6379').name).toBe('redis-streams');
  });

  it('refuses unknown schemes and malformed URLs with the field named', async () => {
    for (const url of ['ftp://x', 'not a url']) {
      const error = await createBus({ url })
        .publish('t', {})
        .catch((e: unknown) => e);
      expect((error as ConfigurationError).field).toBe('url');
    }
  });

  it('memory:// takes no query parameters: a misspelt one is refused, not ignored', () => {
    return expect(createBus({ url: 'memory://?linger=5' }).start()).rejects.toThrow(
      /url\.linger: unknown query parameter/,
    );
  });

  it('memory:// buses of one name share a broker; other names are separate', async () => {
    const spy = createSpy();
    const other = createSpy();
    const consumer = createBus({ url: 'memory://shared-a' }).bind('t', spy.handler, { group: 'g' });
    const elsewhere = createBus({ url: 'memory://shared-b' }).bind('t', other.handler, { group: 'g' });
    await consumer.start();
    await elsewhere.start();
    const publisher = createBus({ url: 'memory://shared-a' });
    const sent = await publisher.publish('t', { hello: 1 });
    await spy.waitFor({ id: sent.id });
    expect(other.processed).toEqual([]);
    await Promise.all([consumer.stop(), elsewhere.stop(), publisher.stop()]);
  });

  it('a body with no JSON form is a PublishError, not a crash', async () => {
    const bus = createBus({ url: 'memory://bad-body' });
    await expect(bus.publish('t', { n: BigInt(1) })).rejects.toThrow(PublishError);
    await expect(bus.publish('t', undefined)).rejects.toThrow(PublishError);
    await bus.stop();
  });

  it('stop waits for accepted publishes to be answered before it closes the transport', async () => {
    const transport = slowTransport(50);
    const bus = createBus({ transport, logger: silentLogger });
    await bus.publish('t', { warm: true });
    const single = Array.from({ length: 5 }, (_, n) => bus.publish('t', { n }));
    const batch = bus.publishBatch([
      { topic: 't', body: 1 },
      { topic: 't', body: 2 },
    ]);
    await bus.stop();
    await expect(Promise.all([...single, batch])).resolves.toHaveLength(6);
    expect(transport.sent).toBe(8);
  });

  it('refuses to bind after start and to start twice', async () => {
    const bus = createBus({ url: 'memory://lifecycle' });
    await bus.start();
    expect(() => bus.bind('t', () => undefined, { group: 'g' })).toThrow(ConfigurationError);
    await expect(bus.start()).rejects.toThrow(ConfigurationError);
    await bus.stop();
  });
});
