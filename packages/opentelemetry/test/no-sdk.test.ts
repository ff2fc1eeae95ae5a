// No OpenTelemetry SDK registered: the API's no-ops. The instrumented bus must behave as the plain one.
import { createBus, memoryTransport, silentLogger, type Message } from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { instrumentBus } from '@polybus/opentelemetry';
import { unique } from './otel-harness';

it('without an SDK nothing is added to the headers, and ctx.publish still forwards the incoming traceparent', async () => {
  const topic = unique('plain');
  const next = unique('plain-next');
  const bus = instrumentBus(
    createBus({ transport: memoryTransport({ namespace: topic }), logger: silentLogger }),
  );
  const seen: Message[] = [];
  bus.bind(
    topic,
    async (message, ctx) => {
      seen.push(message);
      if (message.headers.traceparent) await ctx.publish(next, { forwarded: true });
    },
    { group: 'g' },
  );
  bus.bind(next, (message) => void seen.push(message), { group: 'g' });
  await bus.start();
  await bus.publish(topic, { n: 1 }, { headers: { 'x-tenant': 'acme' } });
  const theirs = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
  await bus.publish(topic, { n: 2 }, { headers: { traceparent: theirs } });
  await waitFor(() => seen.length === 3);

  const byBody = (body: unknown) => seen.find((m) => JSON.stringify(m.body) === JSON.stringify(body))!;
  expect(byBody({ n: 1 }).headers).not.toHaveProperty('traceparent');
  expect(byBody({ n: 1 }).headers).not.toHaveProperty('tracestate');
  expect(byBody({ n: 1 }).headers['x-tenant']).toBe('acme');
  expect(byBody({ forwarded: true }).headers.traceparent).toBe(theirs); // core's own forwarding, untouched
  await bus.stop();
});
