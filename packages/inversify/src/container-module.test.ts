import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import {
  ConfigurationError,
  GuaranteeNotSupportedError,
  memoryIdempotencyStore,
  memoryTransport,
  silentLogger,
  type Bus,
  type HandlerContext,
  type Message,
} from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { Container, inject, injectable } from 'inversify';
import { bindingsByBackend, type BackendInfo } from './bindings-policy';
import { polybusHandlers, polybusModule } from './container-module';
import { MessageHandler, Subscribe } from './decorators';
import { startPolybus, stopPolybus } from './lifecycle';
import { PolybusTypes } from './tokens';

const TOPIC = `inv-${randomUUID().slice(0, 8)}`;

@injectable()
class Ledger {
  readonly entries: string[] = [];
}

@injectable()
@MessageHandler()
class BillingHandler {
  constructor(@inject(Ledger) private readonly ledger: Ledger) {}

  @Subscribe(TOPIC, { group: 'billing' })
  async onOrder(message: Message<{ n: number }>, ctx: HandlerContext): Promise<void> {
    this.ledger.entries.push(`billing:${message.body.n}:${ctx.group}`);
  }
}

@injectable()
@MessageHandler()
class AuditHandler {
  constructor(@inject(Ledger) private readonly ledger: Ledger) {}

  @Subscribe(TOPIC, { group: 'audit', idempotency: PolybusTypes.IdempotencyStore })
  async onOrder(message: Message<{ n: number }>): Promise<void> {
    this.ledger.entries.push(`audit:${message.body.n}`);
  }
}

const containers: Container[] = [];
afterEach(async () => {
  await Promise.allSettled(containers.splice(0).map((c) => stopPolybus(c)));
});

async function containerWith(...modules: Parameters<Container['load']>): Promise<Container> {
  const container = new Container();
  container.bind(Ledger).toSelf().inSingletonScope();
  await container.load(...modules);
  containers.push(container);
  return container;
}

const url = (): string => `memory://${randomUUID().slice(0, 8)}`;
const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('polybusModule', () => {
  it('binds the handlers, whose dependencies come from the container, and delivers to them', async () => {
    const c = await containerWith(
      polybusModule({
        url: url(),
        handlers: [BillingHandler, AuditHandler],
        idempotencyStore: memoryIdempotencyStore(),
        bus: { logger: silentLogger },
      }),
    );
    await startPolybus(c);
    const bus = c.get<Bus>(PolybusTypes.Bus);
    await bus.publish(TOPIC, { n: 1 });
    const ledger = c.get(Ledger);
    await waitFor(() => ledger.entries.length === 2, { description: 'both groups handled the message' });
    expect(ledger.entries.sort()).toEqual(['audit:1', 'billing:1:billing']);
    expect(c.get(BillingHandler)).toBe(c.get(BillingHandler));
  });

  it('accepts a transport factory and handler classes from further modules', async () => {
    const namespace = randomUUID();
    const c = await containerWith(
      polybusModule({ transport: () => memoryTransport({ namespace }), bus: { logger: silentLogger } }),
      polybusHandlers(BillingHandler),
    );
    await startPolybus(c);
    expect(c.get<BackendInfo>(PolybusTypes.Backend)).toMatchObject({
      transport: 'memory',
      scheme: undefined,
    });
    await c.get<Bus>(PolybusTypes.Bus).publish(TOPIC, { n: 2 });
    await waitFor(() => c.get(Ledger).entries.includes('billing:2:billing'));
  });

  it('refuses a handler class without @injectable() at start, before binding anything', async () => {
    @MessageHandler()
    class NotInjectable {
      @Subscribe(TOPIC, { group: 'x' })
      async handle(): Promise<void> {}
    }
    const c = await containerWith(polybusModule({ url: url(), handlers: [BillingHandler, NotInjectable] }));
    const error = await rejection(startPolybus(c));
    expect(ConfigurationError.is(error)).toBe(true);
    expect((error as ConfigurationError).field).toBe('handlers.NotInjectable');
    expect((error as Error).message).toMatch(/@injectable\(\)/);
    expect((await c.get<Bus>(PolybusTypes.Bus).health()).bindings).toEqual([]);
  });

  it('refuses a registered class without @MessageHandler() or without @Subscribe methods', async () => {
    @injectable()
    class Plain {}
    @injectable()
    @MessageHandler()
    class Empty {}
    for (const [handler, pattern] of [
      [Plain, /no @MessageHandler\(\)/],
      [Empty, /no @Subscribe/],
    ] as const) {
      const c = await containerWith(polybusModule({ url: url(), handlers: [handler] }));
      const error = await rejection(startPolybus(c));
      expect(ConfigurationError.is(error)).toBe(true);
      expect((error as Error).message).toMatch(pattern);
    }
  });

  it('refuses one topic and group handled twice, naming both handlers', async () => {
    @injectable()
    @MessageHandler()
    class SecondBilling {
      @Subscribe(TOPIC, { group: 'billing' })
      async handle(): Promise<void> {}
    }
    const twoClasses = await containerWith(
      polybusModule({ url: url(), handlers: [BillingHandler, SecondBilling] }),
    );
    const error = await rejection(startPolybus(twoClasses));
    expect(ConfigurationError.is(error)).toBe(true);
    expect((error as ConfigurationError).field).toBe('SecondBilling.handle');
    expect((error as Error).message).toContain('BillingHandler.onOrder');

    const sameClassTwice = await containerWith(
      polybusModule({ url: url(), handlers: [BillingHandler] }),
      polybusHandlers(BillingHandler),
    );
    expect(ConfigurationError.is(await rejection(startPolybus(sameClassTwice)))).toBe(true);
  });

  it('says which store is missing when a subscription refers to an unbound one', async () => {
    const c = await containerWith(polybusModule({ url: url(), handlers: [AuditHandler] }));
    const error = await rejection(startPolybus(c));
    expect(ConfigurationError.is(error) && error.field).toBe('AuditHandler.onOrder.idempotency');
  });

  it('applies the bindings policy per backend without touching the handler', async () => {
    const onMemory = bindingsByBackend([
      { when: { scheme: 'memory' }, options: { guarantee: 'exactly-once' } },
    ]);
    const withoutStore = await containerWith(
      polybusModule({ url: url(), handlers: [BillingHandler], bindings: onMemory }),
    );
    // The policy asked for exactly-once on a transport without transactions: core refuses, nothing downgraded.
    expect(GuaranteeNotSupportedError.is(await rejection(startPolybus(withoutStore)))).toBe(true);

    const withStore = bindingsByBackend([
      { when: { capabilities: { transactions: true } }, options: { guarantee: 'exactly-once' } },
      {
        when: { scheme: 'memory' },
        options: { guarantee: 'exactly-once', idempotency: PolybusTypes.IdempotencyStore },
      },
    ]);
    const c = await containerWith(
      polybusModule({
        url: url(),
        handlers: [BillingHandler],
        bindings: withStore,
        idempotencyStore: () => memoryIdempotencyStore(),
      }),
    );
    await startPolybus(c);
    const health = await c.get<Bus>(PolybusTypes.Bus).health();
    expect(health.bindings.map((b) => [b.group, b.guarantee])).toEqual([['billing', 'exactly-once']]);
  });

  it('stops the bus with stopPolybus or when the container unbinds it; start after stop is refused', async () => {
    const first = await containerWith(polybusModule({ url: url(), handlers: [BillingHandler] }));
    await Promise.all([startPolybus(first), startPolybus(first)]);
    const bus = first.get<Bus>(PolybusTypes.Bus);
    expect((await bus.health()).state).toBe('running');
    await Promise.all([stopPolybus(first), stopPolybus(first)]);
    expect((await bus.health()).state).toBe('stopped');
    expect(ConfigurationError.is(await rejection(startPolybus(first)))).toBe(true);

    const second = await containerWith(polybusModule({ url: url(), handlers: [BillingHandler] }));
    await startPolybus(second);
    const secondBus = second.get<Bus>(PolybusTypes.Bus);
    await second.unbindAll();
    expect((await secondBus.health()).state).toBe('stopped');
  });

  it('refuses bad module options and a container without the module', async () => {
    const fieldOf = (options: unknown): string | undefined => {
      try {
        polybusModule(options as never);
      } catch (error) {
        return ConfigurationError.is(error) ? error.field : 'other';
      }
      return undefined;
    };
    expect(fieldOf({})).toBe('url');
    expect(fieldOf({ url: 'memory://', transport: memoryTransport() })).toBe('url');
    expect(fieldOf({ url: 'not a url' })).toBe('url');
    expect(fieldOf({ url: 'memory://', handlers: [new Ledger()] })).toBe('handlers[0]');
    expect(fieldOf({ url: 'memory://', stopTimeoutMs: -1 })).toBe('stopTimeoutMs');
    await expect(startPolybus(new Container())).rejects.toThrow(/load polybusModule/);
    await expect(stopPolybus(new Container())).resolves.toBeUndefined();
  });
});
