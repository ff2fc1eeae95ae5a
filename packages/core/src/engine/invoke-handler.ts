import type { Step } from './processing';
import type { BindingRuntime } from './runtime';

/** The end of the chain: calls the user's handler; the processing record is its context. */
export function invokeHandler(rt: BindingRuntime): Step {
  const handler = rt.handler;
  const counters = rt.counters;
  return async (p) => {
    await handler(p.message!, p);
    counters.processed++;
  };
}
