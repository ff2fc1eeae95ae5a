import {
  createBus,
  silentLogger,
  type Bus,
  type BusOptions,
  type Logger,
  type Transport,
} from '@polybus/core';
import type { ConformanceOptions } from './options';

/** Buses and transports of one case, all closed at its end. Topic names are unique per case. */
export class Harness {
  private readonly buses: Bus[] = [];
  private readonly transports: Transport[] = [];
  private readonly run = Math.random().toString(36).slice(2, 8);

  constructor(readonly options: ConformanceOptions) {}

  topic(label: string): string {
    return `conf.${label}.${this.run}`;
  }

  /**
   * Group names are unique per case too: on Kafka a group spans topics, so a shared name would
   * make every case (and every test file running beside it) rebalance the others.
   */
  group(label: string): string {
    return `${label}.${this.run}`;
  }

  /** A bus on a new transport, stopped by `cleanup`; `options` as `createBus` takes them. */
  bus(logger: Logger = silentLogger, options: Omit<BusOptions, 'transport' | 'url' | 'logger'> = {}): Bus {
    const bus = createBus({ ...options, transport: this.options.createTransport(), logger });
    this.buses.push(bus);
    return bus;
  }

  /** A connected transport for raw publishes the bus would refuse to make (bad payloads). */
  async transport(): Promise<Transport> {
    const transport = this.options.createTransport();
    await transport.connect();
    this.transports.push(transport);
    return transport;
  }

  async cleanup(): Promise<void> {
    await Promise.allSettled(this.buses.map((bus) => bus.stop({ timeoutMs: 2_000 })));
    await Promise.allSettled(this.transports.map((t) => t.close()));
  }
}
