import type { Attributes, Meter, ObservableResult } from '@opentelemetry/api';
import type { Bus } from '@polybus/core';
import { Attr } from './attributes';
import type { SystemOf } from './publish-span';

/**
 * `polybus.consumer.lag`: per binding, the messages its group has not consumed yet, as the broker
 * counts them (`Transport.backlog`: Kafka offsets, Redis XINFO, SQS approximate counts, RabbitMQ
 * queue depth; the adapter's doc says what each counts). Read from the broker only when the
 * MeterProvider collects, one read per binding, all at once; a binding whose broker cannot
 * tell (or a transport without `backlog`) reports no point rather than 0. Returns the unregistration.
 */
export function observeLag(bus: Bus, meter: Meter, system: SystemOf): () => void {
  const lag = meter.createObservableGauge('polybus.consumer.lag', {
    description: "Messages the binding's group has not consumed yet, as the broker counts them",
    unit: '{message}',
  });
  const callback = async (result: ObservableResult): Promise<void> => {
    const transport = bus.transport;
    if (transport?.backlog === undefined) return;
    const name = system();
    const reads: Array<Promise<void>> = [];
    // One binding per topic and group (`bind` refuses a second), so one read each.
    for (const { topic, group } of bus.stats()) {
      const attributes: Attributes = { [Attr.destination]: topic, [Attr.consumerGroup]: group };
      if (name !== undefined) attributes[Attr.system] = name;
      reads.push(
        transport.backlog({ topic, group }).then((count) => {
          if (count !== undefined) result.observe(count, attributes);
        }),
      );
    }
    await Promise.all(reads);
  };
  lag.addCallback(callback);
  return () => lag.removeCallback(callback);
}
