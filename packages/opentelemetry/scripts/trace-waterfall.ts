// Renders one real trace as a waterfall, for docs/observability.md: the README's flow (an order
// whose first attempt fails, then ctx.publish of a payment request, handled by another binding) on
// a real broker, traced by @polybus/opentelemetry into the SDK's in-memory exporter, drawn as an
// HTML page (spans by start time and duration, children under parents, links and events listed).
//   npx tsx --conditions=polybus-source packages/opentelemetry/scripts/trace-waterfall.ts [url] [out.html]
// Default url redis://127.0.0.1:6379, out bench-results/trace-waterfall.html. Screenshot it with
//   chromium --headless --screenshot=docs/images/trace-waterfall.png --window-size=1100,520 file://$PWD/<out.html>
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { createBus, silentLogger } from '@polybus/core';
import { instrumentBus } from '@polybus/opentelemetry';

const url = process.argv[2] ?? 'redis://127.0.0.1:6379';
const out = process.argv[3] ?? 'bench-results/trace-waterfall.html';
const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(
  new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
);
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

async function run(): Promise<void> {
  const suffix = Date.now().toString(36);
  const orders = `orders.created.${suffix}`;
  const payments = `payments.requested.${suffix}`;
  const bus = instrumentBus(createBus({ url, logger: silentLogger }));
  let paid!: () => void;
  const done = new Promise<void>((resolve) => (paid = resolve));
  bus.bind<{ orderId: string }>(
    orders,
    async (msg, ctx) => {
      if (ctx.attempt === 1) throw new Error('payment service timed out'); // transient: retried
      await ctx.publish(payments, { orderId: msg.body.orderId });
    },
    { group: 'billing', retry: { maxAttempts: 3, initialDelayMs: 20 } },
  );
  bus.bind(payments, async () => paid(), { group: 'payments' });
  await bus.start();
  await bus.publish(orders, { orderId: 'o-1' }, { key: 'o-1' });
  await done;
  await new Promise((resolve) => setTimeout(resolve, 100)); // the last span ends after the handler
  await bus.stop();
}

const ms = (t: [number, number]): number => t[0] * 1e3 + t[1] / 1e6;
const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function render(spans: ReadableSpan[]): string {
  const byParent = new Map<string | undefined, ReadableSpan[]>();
  const ids = new Set(spans.map((s) => s.spanContext().spanId));
  for (const span of spans) {
    const parent = span.parentSpanContext?.spanId;
    const key = parent && ids.has(parent) ? parent : undefined;
    byParent.set(key, [...(byParent.get(key) ?? []), span]);
  }
  const ordered: Array<{ span: ReadableSpan; depth: number }> = [];
  const walk = (parent: string | undefined, depth: number): void => {
    for (const span of (byParent.get(parent) ?? []).sort((a, b) => ms(a.startTime) - ms(b.startTime))) {
      ordered.push({ span, depth });
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  const start = Math.min(...spans.map((s) => ms(s.startTime)));
  const end = Math.max(...spans.map((s) => ms(s.endTime)));
  const scale = (t: number): number => ((t - start) / (end - start)) * 100;
  const rows = ordered
    .map(({ span, depth }) => {
      const a = span.attributes;
      const failed = span.status.code === 2;
      const left = scale(ms(span.startTime));
      const width = Math.max(0.4, scale(ms(span.endTime)) - left);
      const detail = [
        `kind ${['internal', 'server', 'client', 'producer', 'consumer'][span.kind]}`,
        `${a['messaging.system']}`,
        a['messaging.consumer.group.name'] ? `group ${a['messaging.consumer.group.name']}` : '',
        a['polybus.attempt'] ? `attempt ${a['polybus.attempt']}` : '',
        span.links.length ? `${span.links.length} link to the producer` : '',
        ...span.events.map((e) => `event ${e.name}`),
        failed ? `ERROR ${span.status.message ?? ''}` : '',
      ].filter(Boolean);
      return `<tr><td style="padding-left:${8 + depth * 18}px">${esc(span.name)}<div class="d">${esc(detail.join(' · '))}</div></td>
<td class="lane"><div class="bar${failed ? ' err' : ''}" style="left:${left}%;width:${width}%"></div>
<span class="t" style="${left + width > 80 ? `right:${100 - left}%` : `left:${left + width}%`}">${(ms(span.endTime) - ms(span.startTime)).toFixed(1)} ms</span></td></tr>`;
    })
    .join('\n');
  const traceId = spans[0]?.spanContext().traceId ?? '';
  return `<!doctype html><meta charset="utf-8"><title>Polybus trace</title>
<style>body{font:13px system-ui,sans-serif;margin:16px;color:#222}table{border-collapse:collapse;width:100%}
td{border-bottom:1px solid #eee;padding:6px 8px;vertical-align:middle}td:first-child{width:42%}
.d{color:#777;font-size:11px;margin-top:2px}.lane{position:relative}.bar{position:absolute;top:35%;height:12px;background:#4a7fd6;border-radius:2px}
.err{background:#d64a4a}.t{position:absolute;top:20%;margin:0 6px;font-size:11px;color:#555}h1{font-size:15px;margin:0 0 4px}p{margin:0 0 12px;color:#555}</style>
<h1>Trace ${esc(traceId)} — ${spans.length} spans, ${(end - start).toFixed(1)} ms</h1>
<p>${esc(url.replace(/\/\/[^@/]*@/, '//'))} · publish → broker → process (attempt 1 fails, attempt 2 succeeds) → ctx.publish → broker → process</p>
<table>${rows}</table>`;
}

void run().then(
  () => {
    const spans = exporter.getFinishedSpans();
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, render(spans));
    console.log(
      `${spans.length} spans in trace(s) ${[...new Set(spans.map((s) => s.spanContext().traceId))].join(', ')} -> ${out}`,
    );
    process.exit(0);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
