import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { Headers, type MessageHeaders, type PublishReceipt } from '@polybus/core';
import { Attr, errorType } from './attributes';
import type { Telemetry } from './telemetry';

/** The transport's `messaging.system`, once known (a bus resolves its transport at start or first publish). */
export type SystemOf = () => string | undefined;

/** A publish span begun, with the headers to send and the attributes its metric is counted with. */
export interface StartedPublish {
  readonly span: Span;
  readonly headers: MessageHeaders | undefined;
  readonly topic: string;
}

/**
 * Starts `publish <topic>` (PRODUCER) under the active context and returns the headers to send: the
 * caller's, plus the span's trace context unless the caller set a `traceparent` of their own (a
 * bridge or a replay that keeps the original trace; it is never overwritten).
 */
export function startPublish(
  t: Telemetry,
  system: SystemOf,
  topic: string,
  headers: MessageHeaders | undefined,
  id: string | undefined,
): StartedPublish {
  const attributes: Attributes = {
    [Attr.operationName]: 'publish',
    [Attr.operationType]: 'send',
    [Attr.destination]: topic,
  };
  const name = system();
  if (name !== undefined) attributes[Attr.system] = name;
  if (id !== undefined) attributes[Attr.messageId] = id;
  const active = context.active();
  const span = t.tracer.startSpan(`publish ${topic}`, { kind: SpanKind.PRODUCER, attributes }, active);
  if (headers?.[Headers.traceparent] !== undefined) return { span, headers, topic };
  const carrier: MessageHeaders = { ...headers };
  t.inject(trace.setSpan(active, span), carrier);
  return { span, headers: carrier, topic };
}

/** Ends a publish span with what the broker answered, and counts the message in `messaging.client.sent.messages`. */
export function endPublish(
  t: Telemetry,
  started: StartedPublish,
  system: SystemOf,
  receipt: PublishReceipt | undefined,
  error?: unknown,
): void {
  const { span } = started;
  // the transport is known now even when it was resolved by this very publish
  const name = system();
  if (name !== undefined) span.setAttribute(Attr.system, name);
  if (receipt) span.setAttribute(Attr.messageId, receipt.id);
  if (error !== undefined) failSpan(span, error);
  span.end();
  if (t.sentMessages === undefined) return;
  const attributes: Attributes = { [Attr.operationName]: 'publish', [Attr.destination]: started.topic };
  if (name !== undefined) attributes[Attr.system] = name;
  if (error !== undefined) attributes[Attr.errorType] = errorType(error);
  t.sentMessages.add(1, attributes);
}

/** Records the error on the span (exception event, ERROR status, `error.type`). */
export function failSpan(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
  span.setAttribute(Attr.errorType, errorType(error));
}

/** One traced publish: the span is active while `send` runs, so a broker client's own spans nest under it. */
export async function tracedPublish(
  t: Telemetry,
  system: SystemOf,
  topic: string,
  headers: MessageHeaders | undefined,
  id: string | undefined,
  send: (headers: MessageHeaders | undefined) => Promise<PublishReceipt>,
): Promise<PublishReceipt> {
  const started = startPublish(t, system, topic, headers, id);
  let receipt: PublishReceipt;
  try {
    receipt = await context.with(trace.setSpan(context.active(), started.span), () => send(started.headers));
  } catch (error) {
    endPublish(t, started, system, undefined, error);
    throw error;
  }
  endPublish(t, started, system, receipt);
  return receipt;
}
