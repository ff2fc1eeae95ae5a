import { ConfigurationError } from '@polybus/core';
import { addSubscription, markHandlerClass, type HandlerBindOptions } from './metadata';

/**
 * Marks a class whose `@Subscribe` methods are bound to the bus when the container starts Polybus.
 * The class must also be `@injectable()` (its constructor dependencies come from the container);
 * a missing `@injectable()` is a `ConfigurationError` at `startPolybus`.
 */
export function MessageHandler(): ClassDecorator {
  return (target) => markHandlerClass(target);
}

/**
 * Binds the decorated method to `topic` with `options` (core `BindOptions`; `idempotency` may be a
 * container identifier). The method is called as `(message, context)` on the container's instance.
 * A bindings policy registered in the container may override options per backend.
 */
export function Subscribe(topic: string, options: HandlerBindOptions): MethodDecorator {
  if (typeof topic !== 'string' || topic.length === 0)
    throw new ConfigurationError('topic', `@Subscribe needs a non-empty topic, got ${JSON.stringify(topic)}`);
  if (
    typeof options !== 'object' ||
    options === null ||
    typeof options.group !== 'string' ||
    options.group === ''
  )
    throw new ConfigurationError(
      `@Subscribe('${topic}').group`,
      'every subscription needs a consumer group: { group: "billing" }',
    );
  return (target, method, descriptor) => {
    const owner = typeof target === 'function' ? target.name : target.constructor.name;
    if (typeof target === 'function')
      throw new ConfigurationError(
        `${owner}.${String(method)}`,
        '@Subscribe applies to instance methods, not static ones',
      );
    if (typeof descriptor.value !== 'function')
      throw new ConfigurationError(`${owner}.${String(method)}`, '@Subscribe applies to methods only');
    addSubscription(target.constructor, { topic, method, options });
  };
}
