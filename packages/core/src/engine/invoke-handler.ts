import type { HandlerContext } from '../handler';
import type { Logger } from '../logger';
import type { PublishOptions, PublishReceipt } from '../message';
import type { Processing, Step } from './processing';
import type { BindingRuntime } from './runtime';
import { Headers } from '../headers';

/** The end of the chain: calls the user's handler with its context. */
export function invokeHandler(rt: BindingRuntime): Step {
  const handler = rt.handler;
  const counters = rt.counters;
  return (p) => {
    let result: unknown;
    try {
      result = handler(p.message!, new Context(rt, p));
    } catch (error) {
      return Promise.reject(error);
    }
    if (result instanceof Promise)
      return result.then(() => {
        counters.processed++;
      });
    counters.processed++;
    return Promise.resolve();
  };
}

/** Built per attempt; reads live state from the processing record. */
class Context implements HandlerContext {
  constructor(
    private readonly rt: BindingRuntime,
    private readonly p: Processing,
  ) {}

  get attempt(): number {
    return this.p.attempt;
  }
  get signal(): AbortSignal {
    return (this.p.controller ??= new AbortController()).signal;
  }
  get log(): Logger {
    return this.rt.logger;
  }
  get group(): string {
    return this.rt.binding.group;
  }
  get transaction(): unknown {
    return this.p.scope?.transaction;
  }

  async publish<T>(
    topic: string,
    body: T,
    options: Omit<PublishOptions, 'guarantee'> = {},
  ): Promise<PublishReceipt> {
    const { p, rt } = this;
    const traceparent = p.delivery.message.headers[Headers.traceparent];
    const headers =
      traceparent && !options.headers?.[Headers.traceparent]
        ? { ...options.headers, [Headers.traceparent]: traceparent }
        : options.headers;
    const message = rt.encode(topic, body, { ...options, headers });
    if (p.scope?.publish) await p.scope.publish([message]);
    else if (p.transaction) await p.transaction.publish([message]);
    else
      await rt.transport.publish([message], {
        guarantee: rt.binding.guarantee,
      });
    return { id: message.id, topic };
  }
}
