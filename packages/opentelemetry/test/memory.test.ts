import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  createBus,
  memoryTransport,
  silentLogger,
  type Bus,
  type Message,
  type Middleware,
} from '@polybus/core';
import { instrumentBus, tracingMiddleware } from '@polybus/opentelemetry';
import {
  exporter,
  parentId,
  spanId,
  spansNamed,
  traceId,
  unique,
  useGlobalOtel,
  waitForSpans,
} from './otel-harness';
import { tracingCases } from './tracing-cases';

useGlobalOtel();
const memoryBus = (options: { middleware?: Middleware[] } = {}): Bus =>
  createBus({ transport: memoryTransport({ namespace: unique('ns') }), logger: silentLogger, ...options });

describe('memory transport', () => {
  tracingCases({ newBus: () => memoryBus(), system: 'memory', timeoutMs: 5_000 });
});

describe('memory transport, publish side and options', () => {
  const buses: Bus[] = [];
  const track = (bus: Bus): Bus => (buses.push(bus), bus);
  afterAll(() => Promise.allSettled(buses.map((bus) => bus.stop())));

  it('a traceparent the caller set is sent as it is, and the process span continues that trace', async () => {
    const topic = unique('own');
    const seen: Message[] = [];
    const bus = track(instrumentBus(memoryBus()));
    bus.bind(topic, (message) => void seen.push(message), { group: 'g' });
    await bus.start();
    const theirs = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    await bus.publish(topic, { n: 1 }, { headers: { traceparent: theirs, tracestate: 'vendor=1' } });

    const [process] = await waitForSpans(`process ${topic}`, 1);
    expect(seen[0].headers.traceparent).toBe(theirs);
    expect(seen[0].headers.tracestate).toBe('vendor=1');
    expect(traceId(process)).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(parentId(process)).toBe('b7ad6b7169203331');
    expect(spansNamed(`publish ${topic}`)).toHaveLength(1); // the publish is still traced
  });

  it('publishBatch: one publish span per message, each consumer span under its own', async () => {
    const a = unique('batch-a');
    const b = unique('batch-b');
    const bus = track(instrumentBus(memoryBus()));
    bus.bind(a, () => {}, { group: 'g' });
    bus.bind(b, () => {}, { group: 'g' });
    await bus.start();
    const receipts = await bus.publishBatch([
      { topic: a, body: 1 },
      { topic: b, body: 2, id: 'fixed-id' },
    ]);

    const [processA] = await waitForSpans(`process ${a}`, 1);
    const [processB] = await waitForSpans(`process ${b}`, 1);
    const [publishA] = spansNamed(`publish ${a}`);
    const [publishB] = spansNamed(`publish ${b}`);
    expect(publishA.attributes['messaging.message.id']).toBe(receipts[0].id);
    expect(publishB.attributes['messaging.message.id']).toBe('fixed-id');
    expect(parentId(processA)).toBe(spanId(publishA));
    expect(parentId(processB)).toBe(spanId(publishB));
    expect(traceId(publishA)).not.toBe(traceId(publishB));
  });

  it('a publish that fails ends its span with the error', async () => {
    const topic = unique('fail');
    const bus = track(instrumentBus(memoryBus()));
    await expect(bus.publish(topic, { n: 1n })).rejects.toThrow();
    const [publish] = spansNamed(`publish ${topic}`);
    expect(publish.status.code).toBe(SpanStatusCode.ERROR);
    expect(publish.attributes['error.type']).toBe('PublishError');
    expect(publish.events[0].name).toBe('exception');
  });

  it("producerContext 'link': the process span starts its own trace and links the producer", async () => {
    const topic = unique('link');
    const bus = track(instrumentBus(memoryBus(), { producerContext: 'link' }));
    bus.bind(topic, () => {}, { group: 'g' });
    await bus.start();
    await bus.publish(topic, {});
    const [process] = await waitForSpans(`process ${topic}`, 1);
    const [publish] = spansNamed(`publish ${topic}`);
    expect(traceId(process)).not.toBe(traceId(publish));
    expect(process.parentSpanContext).toBeUndefined();
    expect(process.links.map((link) => [link.context.traceId, link.context.spanId])).toEqual([
      [traceId(publish), spanId(publish)],
    ]);
  });

  it('tracingMiddleware on the bus and instrumentBus together make one process span per attempt', async () => {
    const topic = unique('twice');
    const outer = trace.getTracer('test');
    const bus = track(instrumentBus(memoryBus({ middleware: [tracingMiddleware({ system: 'custom' })] })));
    bus.bind(topic, () => outer.startSpan('inside').end(), { group: 'g' });
    await bus.start();
    await bus.publish(topic, {});
    const [process] = await waitForSpans(`process ${topic}`, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(spansNamed(`process ${topic}`)).toHaveLength(1);
    // the bus-wide one is outermost, so it is the one that ran
    expect(process.attributes['messaging.system']).toBe('custom');
    expect(process.kind).toBe(SpanKind.CONSUMER);
    expect(parentId(spansNamed('inside')[0])).toBe(spanId(process));
  });

  it('tracingMiddleware alone traces the consumer of an untraced bus (no system given: none recorded)', async () => {
    const topic = unique('alone');
    const bus = track(memoryBus({ middleware: [tracingMiddleware()] }));
    bus.bind(topic, () => {}, { group: 'g' });
    const tracer = trace.getTracer('test');
    await tracer.startActiveSpan('startup', async (span) => {
      await bus.start();
      await bus.publish(topic, {}); // the memory transport delivers in the publisher's async context
      span.end();
    });
    const [process] = await waitForSpans(`process ${topic}`, 1);
    expect(process.attributes['messaging.system']).toBeUndefined();
    // no traceparent came with the message: a root, not a child of whatever was active around it
    expect(process.parentSpanContext).toBeUndefined();
    expect(exporter.getFinishedSpans().filter((span) => span.name === `publish ${topic}`)).toEqual([]);
  });

  it('rejects an unknown producerContext at construction', () => {
    expect(() => tracingMiddleware({ producerContext: 'child' as 'link' })).toThrow(/producerContext/);
  });
});
