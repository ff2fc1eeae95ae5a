import type { BatchEntry, Bus, PublishReceipt } from '@polybus/core';
import { messagingSystem } from './attributes';
import { observeStats } from './bus-metrics';
import { observeLag } from './consumer-lag';
import { endPublish, startPublish, tracedPublish, type SystemOf } from './publish-span';
import { resolveTelemetry, type TelemetryOptions } from './telemetry';
import { processSpans } from './tracing-middleware';

export interface InstrumentOptions extends TelemetryOptions {
  /** `messaging.system`. Default: the transport's name (`sqs` as `aws_sqs`), once the bus resolved it. */
  system?: string;
  /**
   * `true` (default): every `bind` gets the tracing middleware as its outermost `use`. `false` when
   * you gave `tracingMiddleware()` to `createBus({ middleware })` yourself, to have it outside your
   * other bus-wide middlewares (two on one chain do not make two spans either way).
   */
  consume?: boolean;
}

/**
 * The bus, traced: `publish` and `publishBatch` start a `publish <topic>` span (PRODUCER) per message
 * and put its trace context into the message's headers (`traceparent`, `tracestate`), `bind` adds the
 * process-span middleware (`tracingMiddleware`), and the bus's counters and its bindings' consumer lag are observed as
 * metrics until `stop`. Everything else passes through to `bus`, which stays usable (untraced) on its own.
 */
export function instrumentBus(bus: Bus, options: InstrumentOptions = {}): Bus {
  const t = resolveTelemetry(options);
  const fixed = options.system;
  const system: SystemOf = () => fixed ?? (bus.transport ? messagingSystem(bus.transport.name) : undefined);
  const consume = options.consume === false ? undefined : processSpans(t, system);
  const unobserve = t.meter ? [observeStats(bus, t.meter, system), observeLag(bus, t.meter, system)] : [];

  const traced: Bus = {
    bind(topic, handler, bindOptions) {
      bus.bind(
        topic,
        handler,
        consume ? { ...bindOptions, use: [consume, ...(bindOptions.use ?? [])] } : bindOptions,
      );
      return this;
    },
    publish: (topic, body, publishOptions) =>
      tracedPublish(t, system, topic, publishOptions?.headers, publishOptions?.id, (headers) =>
        bus.publish(topic, body, { ...publishOptions, headers }),
      ),
    async publishBatch(entries, batchOptions) {
      // one span per message: each consumer's process span then points at its own message's publish
      const started = entries.map((entry) => startPublish(t, system, entry.topic, entry.headers, entry.id));
      const sent: BatchEntry[] = entries.map((entry, i) => ({ ...entry, headers: started[i].headers }));
      let receipts: PublishReceipt[];
      try {
        receipts = await bus.publishBatch(sent, batchOptions);
      } catch (error) {
        for (const each of started) endPublish(t, each, system, undefined, error);
        throw error;
      }
      started.forEach((each, i) => endPublish(t, each, system, receipts[i]));
      return receipts;
    },
    start: () => bus.start(),
    async stop(stopOptions) {
      try {
        await bus.stop(stopOptions);
      } finally {
        for (const each of unobserve) each();
      }
    },
    health: () => bus.health(),
    stats: () => bus.stats(),
    get transport() {
      return bus.transport;
    },
  };
  return traced;
}
