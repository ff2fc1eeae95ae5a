import { ConfigurationError } from '@polybus/core';
import type { Newable } from 'inversify';
import type { BackendInfo, BindingsPolicy } from './bindings-policy';
import { isHandlerClass, isInjectableClass, subscriptionsOf, type HandlerBindOptions } from './metadata';

/** One subscription ready to bind: the handler class, its method, and the options chosen for this backend. */
export interface PlannedBinding {
  readonly handlerClass: Newable<object>;
  readonly method: string | symbol;
  readonly topic: string;
  readonly options: HandlerBindOptions;
  /** `Class.method`, for messages. */
  readonly name: string;
}

/**
 * Checks every registered handler class and applies the bindings policy, before anything is bound,
 * so a bad registration fails the whole start with one clear `ConfigurationError` and nothing half
 * bound behind it.
 */
export function planBindings(
  classes: readonly Newable<object>[],
  backend: BackendInfo,
  policy: BindingsPolicy | undefined,
): PlannedBinding[] {
  const planned: PlannedBinding[] = [];
  const seen = new Map<string, string>();
  for (const handlerClass of classes) {
    const className = handlerClass.name || '<anonymous class>';
    const field = `handlers.${className}`;
    if (!isHandlerClass(handlerClass))
      throw new ConfigurationError(
        field,
        'is registered as a message handler but has no @MessageHandler() decorator',
      );
    if (!isInjectableClass(handlerClass))
      throw new ConfigurationError(
        field,
        'needs @injectable() from inversify so the container can build it with its dependencies',
      );
    const subscriptions = subscriptionsOf(handlerClass);
    if (subscriptions.length === 0)
      throw new ConfigurationError(field, 'has @MessageHandler() but no @Subscribe(topic, options) method');
    for (const { topic, method, options: declared } of subscriptions) {
      const name = `${className}.${String(method)}`;
      const options = policy ? policy(declared, { topic, handler: name, backend }) : declared;
      if (typeof options?.group !== 'string' || options.group === '')
        throw new ConfigurationError(
          `${name}.group`,
          `@Subscribe('${topic}') needs a consumer group (options.group)`,
        );
      const key = `${topic}\u0000${options.group}`;
      const previous = seen.get(key);
      if (previous !== undefined)
        throw new ConfigurationError(
          name,
          `topic '${topic}' with group '${options.group}' is already handled by ${previous}; ` +
            'a topic and group take one handler (give one of them another group, or register the class once)',
        );
      seen.set(key, name);
      planned.push({ handlerClass, method, topic, options, name });
    }
  }
  return planned;
}
