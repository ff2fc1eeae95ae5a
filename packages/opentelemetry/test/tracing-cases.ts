// The tracing cases every transport runs: memory at unit level, then the real brokers.
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Bus, HandlerContext, Message } from '@polybus/core';
import { instrumentBus } from '@polybus/opentelemetry';
import { parentId, spanId, spansNamed, traceId, unique, waitForSpans } from './otel-harness';

export interface CaseOptions {
  /** A new, uninstrumented bus on the transport under test. */
  newBus: () => Bus;
  /** The `messaging.system` expected from the transport's name. */
  system: string;
  timeoutMs: number;
}

const fastRetry = { maxAttempts: 3, initialDelayMs: 1, jitter: false };

export function tracingCases({ newBus, system, timeoutMs }: CaseOptions): void {
  const buses: Bus[] = [];
  const tracedBus = (): Bus => {
    const bus = instrumentBus(newBus());
    buses.push(bus);
    return bus;
  };
  afterAll(() => Promise.allSettled(buses.map((bus) => bus.stop({ timeoutMs: 2_000 }))));

  it('the process span is a child of the publish span, with the messaging attributes and a link', async () => {
    const topic = unique('trace');
    const group = unique('billing');
    const seen: Message[] = [];
    const bus = tracedBus();
    bus.bind(topic, (message) => void seen.push(message), { group });
    await bus.start();
    const receipt = await bus.publish(topic, { n: 1 }, { key: 'k' });

    const [process] = await waitForSpans(`process ${topic}`, 1, timeoutMs);
    const [publish] = spansNamed(`publish ${topic}`);
    expect(publish.kind).toBe(SpanKind.PRODUCER);
    expect(publish.attributes).toEqual({
      'messaging.system': system,
      'messaging.operation.name': 'publish',
      'messaging.operation.type': 'send',
      'messaging.destination.name': topic,
      'messaging.message.id': receipt.id,
    });
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(process.attributes).toEqual({
      'messaging.system': system,
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': topic,
      'messaging.consumer.group.name': group,
      'messaging.message.id': receipt.id,
      'polybus.attempt': 1,
    });
    expect(traceId(process)).toBe(traceId(publish));
    expect(parentId(process)).toBe(spanId(publish));
    expect(process.links.map((link) => link.context.spanId)).toEqual([spanId(publish)]);
    expect(process.status.code).toBe(SpanStatusCode.UNSET);
    // what travelled is the W3C header of the publish span, sampled
    expect(seen[0].headers.traceparent).toBe(`00-${traceId(publish)}-${spanId(publish)}-01`);
  });

  it('a failing first attempt gives an error span, and the retry a second process span with attempt 2', async () => {
    const topic = unique('retry');
    let calls = 0;
    const bus = tracedBus();
    bus.bind(
      topic,
      () => {
        calls += 1;
        if (calls === 1) throw new Error('card declined, try again');
      },
      { group: unique('g'), retry: fastRetry },
    );
    await bus.start();
    await bus.publish(topic, { n: 1 });

    const spans = await waitForSpans(`process ${topic}`, 2, timeoutMs);
    const [first, second] = [...spans].sort(
      (a, b) => Number(a.attributes['polybus.attempt']) - Number(b.attributes['polybus.attempt']),
    );
    const [publish] = spansNamed(`publish ${topic}`);
    expect(first.attributes['polybus.attempt']).toBe(1);
    expect(first.status).toEqual({ code: SpanStatusCode.ERROR, message: 'card declined, try again' });
    expect(first.attributes['error.type']).toBe('Error');
    expect(first.events.map((event) => [event.name, event.attributes?.['exception.message']])).toEqual([
      ['exception', 'card declined, try again'],
    ]);
    expect(second.attributes['polybus.attempt']).toBe(2);
    expect(second.status.code).toBe(SpanStatusCode.UNSET);
    expect(second.events).toEqual([]);
    // both attempts hang under the one publish: the retry is visible in the same trace
    expect([parentId(first), parentId(second)]).toEqual([spanId(publish), spanId(publish)]);
    expect(spans).toHaveLength(2);
  });

  it("a retry the broker redelivers (immediateAttempts: 1) still joins the producer's trace", async () => {
    const topic = unique('redeliver');
    let calls = 0;
    const bus = tracedBus();
    bus.bind(
      topic,
      () => {
        calls += 1;
        if (calls === 1) throw new Error('later');
      },
      { group: unique('g'), retry: { ...fastRetry, immediateAttempts: 1 } },
    );
    await bus.start();
    await bus.publish(topic, { n: 1 });

    const spans = await waitForSpans(`process ${topic}`, 2, timeoutMs);
    const [publish] = spansNamed(`publish ${topic}`);
    expect(spans.map((span) => span.attributes['polybus.attempt']).sort()).toEqual([1, 2]);
    expect(spans.map(parentId)).toEqual([spanId(publish), spanId(publish)]);
    // where the transport has no delayed redelivery (Kafka without retry topics) the retry stays in process
    const delayed = bus.transport!.capabilities.delayedRedelivery;
    expect(bus.stats()[0].counters.redelivered).toBe(delayed ? 1 : 0);
  });

  it("the handler's own spans and its ctx.publish nest under the process span, and the next hop under that publish", async () => {
    const topic = unique('nest');
    const downstreamTopic = unique('nest-next');
    const tracer = trace.getTracer('test-handler');
    const contexts: HandlerContext[] = [];
    const downstream: Message[] = [];
    const bus = tracedBus();
    bus.bind(
      topic,
      async (_message, ctx) => {
        contexts.push(ctx);
        await tracer.startActiveSpan('charge card', async (span) => {
          await new Promise((resolve) => setTimeout(resolve, 5));
          span.end();
        });
        await ctx.publish(downstreamTopic, { charged: true });
      },
      { group: unique('g') },
    );
    bus.bind(downstreamTopic, (message) => void downstream.push(message), { group: unique('g') });
    await bus.start();
    await bus.publish(topic, { n: 1 });

    const [nextProcess] = await waitForSpans(`process ${downstreamTopic}`, 1, timeoutMs);
    const [process] = await waitForSpans(`process ${topic}`, 1, timeoutMs);
    const [publish] = spansNamed(`publish ${topic}`);
    const [charge] = spansNamed('charge card');
    const [nextPublish] = spansNamed(`publish ${downstreamTopic}`);
    expect(parentId(charge)).toBe(spanId(process));
    expect(parentId(nextPublish)).toBe(spanId(process));
    expect(nextPublish.kind).toBe(SpanKind.PRODUCER);
    expect(nextPublish.attributes['messaging.system']).toBe(system);
    expect(parentId(nextProcess)).toBe(spanId(nextPublish));
    expect(new Set([publish, process, charge, nextPublish, nextProcess].map(traceId)).size).toBe(1);
    // the next hop carries the handler's publish span, not the incoming message's traceparent
    expect(downstream[0].headers.traceparent).toBe(`00-${traceId(nextPublish)}-${spanId(nextPublish)}-01`);
    // the traced ctx.publish lived for the attempt only
    expect(Object.hasOwn(contexts[0], 'publish')).toBe(false);
  });
}
