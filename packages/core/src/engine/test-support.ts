// Shared by the middleware tests beside this file; not exported from the package.
import type { BindOptions } from '../bind-options';
import { jsonCodec } from '../codec';
import { encodeMessage } from '../encode';
import type { Handler } from '../handler';
import { silentLogger } from '../logger';
import type { MessageHeaders, TransportMessage } from '../message';
import { resolveBinding } from '../resolve-binding';
import type { Delivery, Transport, TransportCapabilities } from '../transport';
import { newCounters } from './counters';
import { Processing } from './processing';
import type { BindingRuntime } from './runtime';

export interface RecordedDelivery extends Delivery {
  readonly settlements: Array<{ kind: 'ack' } | { kind: 'nack'; delayMs?: number; attempt?: number }>;
}

export function fakeDelivery(
  body: unknown = { n: 1 },
  attempt = 1,
  headers: MessageHeaders = {},
): RecordedDelivery {
  const message = encodeMessage(jsonCodec, 't', body, { key: 'k', headers }, undefined);
  const settlements: RecordedDelivery['settlements'] = [];
  return {
    message,
    attempt,
    coordinates: { 'fake-offset': '42' },
    settlements,
    async ack() {
      settlements.push({ kind: 'ack' });
    },
    async nack(options) {
      settlements.push({ kind: 'nack', ...options });
    },
  };
}

export function fakeTransport(
  caps: Partial<TransportCapabilities> = {},
): Transport & { published: TransportMessage[] } {
  const published: TransportMessage[] = [];
  return {
    name: 'fake',
    published,
    capabilities: {
      consumerGroups: true,
      competingConsumers: true,
      perKeyOrdering: true,
      transactions: false,
      nativeDeduplication: false,
      delayedRedelivery: false,
      persistent: true,
      ...caps,
    },
    connect: async () => undefined,
    close: async () => undefined,
    publish: async (messages) => void published.push(...messages),
    subscribe: async () => ({ close: async () => undefined }),
  };
}

export function runtime(
  options: Partial<BindOptions> = {},
  handler: Handler = () => undefined,
  transport: Transport = fakeTransport(),
  stopping: AbortSignal = new AbortController().signal,
): BindingRuntime {
  const fastRetry =
    options.guarantee === 'at-most-once' ? {} : { retry: { initialDelayMs: 0, maxDelayMs: 0 } };
  const binding = resolveBinding('t', { group: 'g', ...fastRetry, ...options }, { codec: jsonCodec });
  return {
    binding,
    handler,
    transport,
    logger: silentLogger,
    counters: newCounters(),
    stopping,
    ownerPrefix: 'test',
    encode: (topic, body, o) => encodeMessage(jsonCodec, topic, body, o, undefined),
  };
}

export function processing(delivery: Delivery = fakeDelivery(), rt?: BindingRuntime): Processing {
  return new Processing(delivery, rt ?? runtime());
}
