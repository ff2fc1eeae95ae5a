import { ConfigurationError } from '@polybus/core';
import type { Container } from 'inversify';
import type { PolybusRuntime } from './runtime';
import { PolybusTypes } from './tokens';

/**
 * Builds every registered handler from the container, binds its `@Subscribe` methods (options
 * passed through the bindings policy), then starts the bus. Registration mistakes (a class without
 * `@injectable()` or `@MessageHandler()`, one topic and group handled twice) reject with a
 * `ConfigurationError` before anything is bound. Calling it again returns the same start.
 */
export async function startPolybus(container: Container): Promise<void> {
  return runtimeOf(container).start(container);
}

/**
 * Stops fetching, lets in-flight handlers finish (up to `stopTimeoutMs`), settles and closes the
 * bus. Idempotent; a no-op when the bus was never built or the container was already unbound.
 * `container.unbindAll()` does the same.
 */
export async function stopPolybus(container: Container): Promise<void> {
  if (container.isBound(PolybusTypes.Runtime)) await runtimeOf(container).stop();
}

function runtimeOf(container: Container): PolybusRuntime {
  if (!container.isBound(PolybusTypes.Runtime))
    throw new ConfigurationError(
      'container',
      'no Polybus here: load polybusModule({ url | transport, handlers }) first',
    );
  return container.get<PolybusRuntime>(PolybusTypes.Runtime);
}
