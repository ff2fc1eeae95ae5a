import { ConfigurationError } from '../errors/configuration-error';
import { PublishError } from '../errors/publish-error';
import type { TransportMessage } from '../message';
import type {
  DeliveryHandler,
  SubscribeOptions,
  Subscription,
  Transport,
  TransportCapabilities,
} from '../transport';
import { memoryBroker, type MemoryBroker } from './memory-broker';
import type { MemoryFaults } from './memory-faults';
import type { MemoryGroup } from './memory-group';
import { seededRandom } from './random';

export interface MemoryTransportOptions {
  /** Buses whose transports share a namespace share one broker. Default 'default'. */
  namespace?: string;
  /** An unsettled delivery is handed out again after this long. Default 30 000 ms. */
  visibilityTimeoutMs?: number;
  faults?: MemoryFaults;
  /** Seed for the fault dice, so a run can be replayed. */
  seed?: number;
}

const CAPABILITIES: TransportCapabilities = {
  consumerGroups: true,
  competingConsumers: true,
  perKeyOrdering: true,
  transactions: false,
  nativeDeduplication: false,
  delayedRedelivery: true,
  persistent: true,
};

export interface MemoryTransport extends Transport {
  /** Change the injected faults while running. */
  readonly faults: MemoryFaults;
  readonly broker: MemoryBroker;
  /**
   * Simulates this process dying: its consumers vanish without acking (their deliveries go to the
   * other members at once), later acks from them are ignored, publishing fails from now on.
   */
  crash(): void;
}

/** A faithful in-process broker (see MemoryGroup) for tests, demos and single-process apps. */
export function memoryTransport(options: MemoryTransportOptions = {}): MemoryTransport {
  const leaseMs = options.visibilityTimeoutMs ?? 30_000;
  if (!Number.isFinite(leaseMs) || leaseMs <= 0)
    throw new ConfigurationError('visibilityTimeoutMs', 'must be a positive number of milliseconds');
  const faults: MemoryFaults = { ...options.faults };
  const random = seededRandom(options.seed ?? 0x5eed);
  const roll = (rate: number | undefined): boolean => rate !== undefined && rate > 0 && random() < rate;
  const broker = memoryBroker(options.namespace ?? 'default');
  const owner = {};
  const joined = new Set<MemoryGroup>();
  let state: 'new' | 'open' | 'closed' | 'crashed' = 'new';

  const settings = {
    leaseMs,
    dropAck: () => roll(faults.ackDropRate),
    duplicate: () => roll(faults.duplicateDeliveryRate),
  };

  const leaveAll = (): void => {
    for (const group of joined) group.leave(owner);
    joined.clear();
  };

  return {
    name: 'memory',
    capabilities: CAPABILITIES,
    faults,
    broker,
    async connect() {
      if (state === 'new') state = 'open';
    },
    async close() {
      if (state === 'open') leaveAll();
      if (state !== 'crashed') state = 'closed';
    },
    crash() {
      leaveAll();
      state = 'crashed';
    },
    publish(messages: readonly TransportMessage[]) {
      if (state !== 'open')
        return Promise.reject(new PublishError(messages[0]?.topic ?? '?', `memory transport is ${state}`));
      if (roll(faults.publishFailureRate))
        return Promise.reject(new PublishError(messages[0]?.topic ?? '?', 'injected publish failure'));
      for (const message of messages) broker.publish(message);
      return Promise.resolve();
    },
    async subscribe(sub: SubscribeOptions, handler: DeliveryHandler): Promise<Subscription> {
      if (state !== 'open') throw new ConfigurationError('subscribe', `memory transport is ${state}`);
      const group = broker.group(sub.topic, sub.group, settings);
      if (sub.ordering === 'per-key') group.ordered = true;
      const member = {
        owner,
        handler,
        concurrency: sub.concurrency,
        autoAck: sub.guarantee === 'at-most-once',
        inFlight: 0,
      };
      group.join(member);
      joined.add(group);
      return { close: async () => group.remove(member) };
    },
  };
}
