import {
  ConfigurationError,
  createBus,
  transportFromUrl,
  type Bus,
  type BusOptions,
  type IdempotencyStore,
  type Transport,
} from '@polybus/core';
import { ContainerModule, type ContainerModuleLoadOptions, type Newable } from 'inversify';
import type { BackendInfo, BindingsPolicy } from './bindings-policy';
import { PolybusRuntime } from './runtime';
import { PolybusTypes } from './tokens';

export interface PolybusModuleOptions {
  /** Broker URL (`memory://`, `kafka://127.0.0.1:9092`, `amqp://...`): the adapter for its scheme is loaded. */
  readonly url?: string;
  /** Or the transport itself (or a factory called once). Exactly one of `url` and `transport`. */
  readonly transport?: Transport | (() => Transport);
  /** Other `createBus` options (logger, codec, ...). */
  readonly bus?: Omit<BusOptions, 'url' | 'transport'>;
  /** Handler classes: `@injectable()`, `@MessageHandler()`, with `@Subscribe` methods. */
  readonly handlers?: readonly Newable<object>[];
  /** Bound to `PolybusTypes.IdempotencyStore`, the store `@Subscribe`/bindings policies may refer to. */
  readonly idempotencyStore?: IdempotencyStore | (() => IdempotencyStore);
  /** Chooses options per backend (see `bindingsByBackend`). */
  readonly bindings?: BindingsPolicy;
  /** How long `stopPolybus` / container unbind lets in-flight handlers finish. Default 10 000 ms. */
  readonly stopTimeoutMs?: number;
}

/**
 * Registers the transport, the bus, the idempotency store, the bindings policy and the handler
 * classes (singletons). Nothing connects until `startPolybus(container)`; unbinding the bus (e.g.
 * `container.unbindAll()` or unloading this module) stops it like `stopPolybus`.
 */
export function polybusModule(options: PolybusModuleOptions): ContainerModule {
  const settings = validate(options);
  return new ContainerModule((registry) => {
    const { bind } = registry;
    const runtime = new PolybusRuntime(settings.stopTimeoutMs);
    bind(PolybusTypes.Runtime).toConstantValue(runtime);
    bind<Transport>(PolybusTypes.Transport)
      .toDynamicValue(() => {
        if (settings.url !== undefined)
          return transportFromUrl(settings.url, undefined, { logger: settings.bus?.logger });
        const t = settings.transport!;
        return typeof t === 'function' ? t() : t;
      })
      .inSingletonScope();
    bind<BackendInfo>(PolybusTypes.Backend)
      .toDynamicValue((ctx) => {
        const transport = ctx.get<Transport>(PolybusTypes.Transport);
        const scheme = settings.url === undefined ? undefined : new URL(settings.url).protocol.slice(0, -1);
        return { transport: transport.name, scheme, capabilities: transport.capabilities };
      })
      .inSingletonScope();
    bind<Bus>(PolybusTypes.Bus)
      .toDynamicValue((ctx) =>
        createBus({ ...settings.bus, transport: ctx.get<Transport>(PolybusTypes.Transport) }),
      )
      .inSingletonScope()
      .onDeactivation((bus) => runtime.deactivated(bus));
    const store = settings.idempotencyStore;
    if (store !== undefined)
      bind<IdempotencyStore>(PolybusTypes.IdempotencyStore)
        .toDynamicValue(() => (typeof store === 'function' ? store() : store))
        .inSingletonScope();
    if (settings.bindings !== undefined)
      bind<BindingsPolicy>(PolybusTypes.BindingsPolicy).toConstantValue(settings.bindings);
    registerHandlers(registry, settings.handlers);
  });
}

/** More handler classes, e.g. from a feature module; same rules as `polybusModule({ handlers })`. */
export function polybusHandlers(...handlers: Newable<object>[]): ContainerModule {
  checkHandlers(handlers, 'handlers');
  return new ContainerModule((registry) => registerHandlers(registry, handlers));
}

function registerHandlers(
  { bind, isBound }: ContainerModuleLoadOptions,
  handlers: readonly Newable<object>[],
): void {
  for (const handlerClass of handlers) {
    bind(PolybusTypes.HandlerClass).toConstantValue(handlerClass);
    // An application may bind the class itself (e.g. to a subclass or another scope); that wins.
    if (!isBound(handlerClass)) bind(handlerClass).toSelf().inSingletonScope();
  }
}

function checkHandlers(handlers: unknown, field: string): void {
  if (!Array.isArray(handlers)) throw new ConfigurationError(field, 'must be an array of handler classes');
  handlers.forEach((h, i) => {
    if (typeof h !== 'function')
      throw new ConfigurationError(`${field}[${i}]`, 'must be a class, not an instance');
  });
}

function validate(
  o: PolybusModuleOptions,
): PolybusModuleOptions & { stopTimeoutMs: number; handlers: readonly Newable<object>[] } {
  if (typeof o !== 'object' || o === null)
    throw new ConfigurationError('options', 'polybusModule needs an options object');
  if ((o.url === undefined) === (o.transport === undefined))
    throw new ConfigurationError('url', 'give exactly one of `url` and `transport`');
  if (o.url !== undefined) {
    if (typeof o.url !== 'string')
      throw new ConfigurationError('url', 'must be a string such as memory:// or kafka://host:9092');
    try {
      new URL(o.url);
    } catch (cause) {
      throw new ConfigurationError('url', `'${o.url}' is not a valid URL`, { cause });
    }
  }
  if (
    o.transport !== undefined &&
    typeof o.transport !== 'function' &&
    typeof o.transport?.subscribe !== 'function'
  )
    throw new ConfigurationError('transport', 'must be a Transport or a function returning one');
  const handlers = o.handlers ?? [];
  checkHandlers(handlers, 'handlers');
  if (o.bindings !== undefined && typeof o.bindings !== 'function')
    throw new ConfigurationError('bindings', 'must be a bindings policy function (see bindingsByBackend)');
  const stopTimeoutMs = o.stopTimeoutMs ?? 10_000;
  if (!Number.isInteger(stopTimeoutMs) || stopTimeoutMs < 0)
    throw new ConfigurationError(
      'stopTimeoutMs',
      `must be a non-negative integer, got ${String(o.stopTimeoutMs)}`,
    );
  return { ...o, handlers, stopTimeoutMs };
}
