import type { Attributes, BatchObservableCallback, Meter } from '@opentelemetry/api';
import type { BindingCounters, Bus } from '@polybus/core';
import { Attr } from './attributes';
import type { SystemOf } from './publish-span';

/** `polybus.outcome` of each counter of `bus.stats()`. */
const OUTCOMES: ReadonlyArray<readonly [keyof BindingCounters, string]> = [
  ['received', 'received'],
  ['processed', 'processed'],
  ['failed', 'failed'],
  ['retried', 'retried'],
  ['redelivered', 'redelivered'],
  ['deadLettered', 'dead_lettered'],
  ['dropped', 'dropped'],
  ['duplicates', 'duplicates'],
  ['resent', 'resent'],
  ['failOpen', 'fail_open'],
];

/**
 * Exposes the bus's own counters as observable instruments, read from `bus.stats()` when the
 * MeterProvider collects: nothing is counted twice and nothing runs per message. Returns the
 * unregistration.
 */
export function observeStats(bus: Bus, meter: Meter, system: SystemOf): () => void {
  const messages = meter.createObservableCounter('polybus.consumer.messages', {
    description: "Deliveries per binding by outcome (the bus's counters, see BindingCounters)",
    unit: '{message}',
  });
  const inFlight = meter.createObservableUpDownCounter('polybus.consumer.in_flight', {
    description: 'Deliveries being handled now, per binding',
    unit: '{message}',
  });
  const callback: BatchObservableCallback = (result) => {
    const name = system();
    for (const binding of bus.stats()) {
      const base: Attributes = { [Attr.destination]: binding.topic, [Attr.consumerGroup]: binding.group };
      if (name !== undefined) base[Attr.system] = name;
      for (const [counter, outcome] of OUTCOMES)
        result.observe(messages, binding.counters[counter], { ...base, 'polybus.outcome': outcome });
      result.observe(inFlight, binding.inFlight, base);
    }
  };
  meter.addBatchObservableCallback(callback, [messages, inFlight]);
  return () => meter.removeBatchObservableCallback(callback, [messages, inFlight]);
}
