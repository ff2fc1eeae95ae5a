import type { Step } from './processing';
import type { BindingRuntime } from './runtime';

/**
 * The end of the chain: calls the user's handler; the processing record is its context. No async
 * frame and no closure per message (hot path): the counter is bumped by one shared callback.
 */
export function invokeHandler(rt: BindingRuntime): Step {
  const handler = rt.handler;
  const counters = rt.counters;
  const processed = (): void => {
    counters.processed++;
  };
  return (p) => {
    try {
      return Promise.resolve(handler(p.message!, p)).then(processed);
    } catch (error) {
      return Promise.reject(error);
    }
  };
}
