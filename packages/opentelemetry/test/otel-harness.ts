// Registers a real OpenTelemetry SDK as the global one, the way an application's setup file does.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { waitFor } from '@polybus/core/testing';
import { randomBytes } from 'node:crypto';

export const exporter = new InMemorySpanExporter();

/** Call at the top of a test file: installs the SDK before the tests, removes it after. */
export function useGlobalOtel(): void {
  beforeAll(() => {
    const contextManager = new AsyncLocalStorageContextManager().enable();
    expect(context.setGlobalContextManager(contextManager)).toBe(true);
    expect(
      trace.setGlobalTracerProvider(
        new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
      ),
    ).toBe(true);
    expect(propagation.setGlobalPropagator(new W3CTraceContextPropagator())).toBe(true);
  });
  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });
}

export const unique = (prefix: string): string =>
  `otel.${prefix}.${Date.now()}.${randomBytes(3).toString('hex')}`;

/** Finished spans named `name`, in end order. */
export const spansNamed = (name: string): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((span) => span.name === name);

/** Waits until `count` spans named `name` have ended, and returns them. */
export async function waitForSpans(name: string, count: number, timeoutMs = 20_000): Promise<ReadableSpan[]> {
  await waitFor(() => spansNamed(name).length >= count, {
    timeoutMs,
    description: `${count} span(s) '${name}', have ${spansNamed(name).length}`,
  });
  return spansNamed(name);
}

export const traceId = (span: ReadableSpan): string => span.spanContext().traceId;
export const spanId = (span: ReadableSpan): string => span.spanContext().spanId;
export const parentId = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
