import {
  context,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  trace,
  type Attributes,
  type Link,
} from '@opentelemetry/api';
import type { HandlerContext, Middleware } from '@polybus/core';
import { Attr, errorType } from './attributes';
import { failSpan, tracedPublish, type SystemOf } from './publish-span';
import { resolveTelemetry, type Telemetry, type TelemetryOptions } from './telemetry';

export interface TracingOptions extends TelemetryOptions {
  /**
   * `messaging.system`. The middleware cannot see the transport (`ctx` does not carry it), so give it
   * here, e.g. `'rabbitmq'`; `instrumentBus` fills it in from `bus.transport`. Unset: not recorded.
   */
  system?: string;
}

/**
 * A `process <topic>` span (CONSUMER) around each attempt, as a `Middleware`: give it to
 * `createBus({ middleware })` to wrap every binding (outermost), or use `instrumentBus`, which adds
 * it to each `bind` and also traces the publish side.
 *
 * The span is active while the rest of the chain and the handler run, so the handler's own spans are
 * its children, and `ctx.publish` starts a `publish` span under it and sends that span's trace
 * context in place of the incoming message's. A throwing attempt records the exception and sets
 * ERROR; the retry's attempt gets a span of its own (`polybus.attempt`).
 */
export function tracingMiddleware(options: TracingOptions = {}): Middleware {
  const system = options.system;
  return processSpans(resolveTelemetry(options), () => system);
}

/** Attempts already inside a process span: a second tracing middleware on the same chain passes through. */
const traced = new WeakSet<HandlerContext>();

export function processSpans(t: Telemetry, system: SystemOf): Middleware {
  return async (message, ctx, next) => {
    if (traced.has(ctx)) return next();
    // Not `context.active()`: what is active here is whatever the consumer loop inherited (the span
    // around `bus.start()`, or on the memory transport the publisher's), not this message's story.
    const extracted = t.extract(ROOT_CONTEXT, message.headers);
    const producer = trace.getSpanContext(extracted);
    const links: Link[] | undefined =
      producer && isSpanContextValid(producer) ? [{ context: producer }] : undefined;
    // 'link' keeps what else came with the message (baggage) but not the producer as parent
    const parent = links && t.producerContext === 'link' ? trace.deleteSpan(extracted) : extracted;
    const name = system();
    const metricAttributes: Attributes = {
      [Attr.operationName]: 'process',
      [Attr.destination]: message.topic,
      [Attr.consumerGroup]: ctx.group,
    };
    if (name !== undefined) metricAttributes[Attr.system] = name;
    const span = t.tracer.startSpan(
      `process ${message.topic}`,
      {
        kind: SpanKind.CONSUMER,
        links,
        attributes: {
          ...metricAttributes,
          [Attr.operationType]: 'process',
          [Attr.messageId]: message.id,
          [Attr.attempt]: ctx.attempt,
        },
      },
      parent,
    );
    const restorePublish = tracePublishes(ctx, t, system);
    traced.add(ctx);
    const started = performance.now();
    if (ctx.attempt === 1 && t.messageAge !== undefined && message.timestamp > 0)
      t.messageAge.record(Math.max(0, Date.now() - message.timestamp) / 1000, metricAttributes);
    try {
      await context.with(trace.setSpan(parent, span), next);
    } catch (error) {
      failSpan(span, error);
      metricAttributes[Attr.errorType] = errorType(error);
      throw error;
    } finally {
      traced.delete(ctx);
      restorePublish();
      span.end();
      t.processDuration?.record((performance.now() - started) / 1000, metricAttributes);
    }
  };
}

/**
 * Makes `ctx.publish` traced for this attempt. `next()` takes no context of its own, so the only way
 * to reach the handler's `ctx.publish` is to shadow it on the context object (one per delivery) and
 * take the shadow away when the attempt ends. A context that refuses the property (frozen) keeps its
 * plain `ctx.publish`, which still forwards the incoming `traceparent`.
 */
function tracePublishes(ctx: HandlerContext, t: Telemetry, system: SystemOf): () => void {
  const own = Object.getOwnPropertyDescriptor(ctx, 'publish');
  const original = ctx.publish;
  const publish: HandlerContext['publish'] = (topic, body, options = {}) =>
    tracedPublish(t, system, topic, options.headers, options.id, (headers) =>
      original.call(ctx, topic, body, { ...options, headers }),
    );
  try {
    (ctx as { publish: HandlerContext['publish'] }).publish = publish;
  } catch {
    return () => {};
  }
  return () => {
    if (own) Object.defineProperty(ctx, 'publish', own);
    else Reflect.deleteProperty(ctx, 'publish');
  };
}
