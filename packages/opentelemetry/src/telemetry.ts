import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  metrics,
  propagation,
  trace,
  type Context,
  type Counter,
  type Histogram,
  type Meter,
  type MeterProvider,
  type TextMapPropagator,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import type { MessageHeaders } from '@polybus/core';
import { ConfigurationError } from '@polybus/core';

const NAME = '@polybus/opentelemetry';
const VERSION = '0.1.0';

/** What both sides take. Every field defaults to what the application registered globally. */
export interface TelemetryOptions {
  /** Default: the global one (`trace.setGlobalTracerProvider`, or what the NodeSDK registered). */
  tracerProvider?: TracerProvider;
  /** Default: the global one. Used for `messaging.process.duration` and the `bus.stats()` instruments. */
  meterProvider?: MeterProvider;
  /**
   * Default: the global propagator (`propagation.setGlobalPropagator`; the NodeSDK registers W3C
   * trace context and baggage). With none registered nothing is injected or extracted.
   */
  propagator?: TextMapPropagator;
  /**
   * How a process span relates to the producer's span read from the message's `traceparent`:
   * `'parent'` (default) makes it a child, so publish, every attempt and the handler's own spans form
   * one trace; `'link'` makes it the root of a trace of its own that links the producer
   * (for long-lived or fan-out flows where one trace per publish grows too large). Both add the link.
   */
  producerContext?: 'parent' | 'link';
  /** `false`: no metric instruments. Default true (no-ops unless a MeterProvider is registered). */
  metrics?: boolean;
}

/** The options resolved once, at construction. */
export interface Telemetry {
  readonly tracer: Tracer;
  readonly meter: Meter | undefined;
  /** `messaging.process.duration`, seconds; undefined with `metrics: false` (as the next two). */
  readonly processDuration: Histogram | undefined;
  /** `messaging.client.sent.messages`: publishes answered, with `error.type` on the refused ones. */
  readonly sentMessages: Counter | undefined;
  /** `polybus.consumer.message_age`, seconds from the publisher's timestamp to the first attempt. */
  readonly messageAge: Histogram | undefined;
  readonly producerContext: 'parent' | 'link';
  inject(ctx: Context, headers: MessageHeaders): void;
  extract(ctx: Context, headers: Readonly<MessageHeaders>): Context;
}

export function resolveTelemetry(options: TelemetryOptions): Telemetry {
  const producerContext = options.producerContext ?? 'parent';
  if (producerContext !== 'parent' && producerContext !== 'link')
    throw new ConfigurationError(
      'producerContext',
      `must be 'parent' or 'link', got '${String(producerContext)}'`,
    );
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(NAME, VERSION);
  const meter =
    options.metrics === false
      ? undefined
      : (options.meterProvider ?? metrics.getMeterProvider()).getMeter(NAME, VERSION);
  const propagator = options.propagator;
  return {
    tracer,
    meter,
    processDuration: meter?.createHistogram('messaging.process.duration', {
      description: 'Duration of one processing attempt (middleware and handler)',
      unit: 's',
    }),
    sentMessages: meter?.createCounter('messaging.client.sent.messages', {
      description: 'Messages published, counted when the broker answered (error.type when it refused)',
      unit: '{message}',
    }),
    messageAge: meter?.createHistogram('polybus.consumer.message_age', {
      description: "End-to-end latency: from the message's publish timestamp to its first processing attempt",
      unit: 's',
    }),
    producerContext,
    inject: propagator
      ? (ctx, headers) => propagator.inject(ctx, headers, defaultTextMapSetter)
      : (ctx, headers) => propagation.inject(ctx, headers),
    extract: propagator
      ? (ctx, headers) => propagator.extract(ctx, headers, defaultTextMapGetter)
      : (ctx, headers) => propagation.extract(ctx, headers),
  };
}
