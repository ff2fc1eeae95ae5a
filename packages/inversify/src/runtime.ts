import { ConfigurationError, type BindOptions, type Bus, type IdempotencyStore } from '@polybus/core';
import type { Container, Newable } from 'inversify';
import type { BackendInfo, BindingsPolicy } from './bindings-policy';
import type { IdempotencyRef } from './metadata';
import { planBindings, type PlannedBinding } from './plan';
import { PolybusTypes } from './tokens';

/**
 * The start/stop state of one container's bus. Start binds every registered handler then starts
 * the bus, once; stop drains and closes it, once, whether asked by `stopPolybus` or by the
 * container deactivating the bus.
 */
export class PolybusRuntime {
  #started: Promise<void> | undefined;
  #stopped: Promise<void> | undefined;
  #bus: Bus | undefined;

  constructor(private readonly stopTimeoutMs: number) {}

  start(container: Container): Promise<void> {
    if (this.#stopped)
      return Promise.reject(
        new ConfigurationError(
          'container',
          'Polybus was stopped in this container; build a new container to start again',
        ),
      );
    return (this.#started ??= this.#start(container));
  }

  /** Stops the bus if it was built; a no-op otherwise. */
  stop(): Promise<void> {
    return (this.#stopped ??= (async () => {
      await this.#started?.catch(() => undefined);
      await this.#bus?.stop({ timeoutMs: this.stopTimeoutMs });
    })());
  }

  /** Called by the Bus binding's deactivation: the bus is being dropped with the container. */
  deactivated(bus: Bus): Promise<void> {
    this.#bus ??= bus;
    return this.stop();
  }

  async #start(container: Container): Promise<void> {
    const classes = container.isBound(PolybusTypes.HandlerClass)
      ? container.getAll<Newable<object>>(PolybusTypes.HandlerClass)
      : [];
    const backend = await container.getAsync<BackendInfo>(PolybusTypes.Backend);
    const policy = container.isBound(PolybusTypes.BindingsPolicy)
      ? await container.getAsync<BindingsPolicy>(PolybusTypes.BindingsPolicy)
      : undefined;
    const plan = planBindings(classes, backend, policy);
    const bindings = await Promise.all(
      plan.map(async (p) => ({ planned: p, options: await resolveOptions(container, p) })),
    );
    const bus = (this.#bus = await container.getAsync<Bus>(PolybusTypes.Bus));
    for (const { planned, options } of bindings) {
      const instance = (await container.getAsync(planned.handlerClass)) as Record<string | symbol, unknown>;
      const method = instance[planned.method];
      if (typeof method !== 'function')
        throw new ConfigurationError(
          planned.name,
          'the instance the container built has no such method (is the class rebound?)',
        );
      bus.bind(
        planned.topic,
        (message, ctx) => method.call(instance, message, ctx) as Promise<void>,
        options,
      );
    }
    await bus.start();
  }
}

async function resolveOptions(container: Container, planned: PlannedBinding): Promise<BindOptions> {
  const { idempotency, ...rest } = planned.options;
  return {
    ...rest,
    group: rest.group,
    idempotency: await resolveStore(container, idempotency, planned.name),
  };
}

async function resolveStore(
  container: Container,
  ref: IdempotencyRef | undefined,
  name: string,
): Promise<IdempotencyStore | undefined> {
  if (ref === undefined || (typeof ref === 'object' && ref !== null))
    return ref as IdempotencyStore | undefined;
  if (!container.isBound(ref))
    throw new ConfigurationError(
      `${name}.idempotency`,
      `refers to ${String(typeof ref === 'function' ? ref.name : ref)}, which is not bound in the container ` +
        '(pass idempotencyStore to polybusModule, or bind it yourself)',
    );
  return container.getAsync<IdempotencyStore>(ref);
}
