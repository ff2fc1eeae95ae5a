import { connect } from 'node:net';
import { createBus, silentLogger, type Bus } from '@polybus/core';
import type { WorkerConfig } from '../workload/protocol';

/**
 * The bus of a worker process, on the public API. Behind the fault proxy the URL already points
 * at it (`config.brokerUrl`), except for Kafka: its brokers advertise their own addresses and the
 * client connects to those, so every connection is sent to the proxy with `socketFactory`.
 */
export async function workerBus(config: WorkerConfig): Promise<Bus> {
  const port = config.proxyPort;
  if (port === undefined || !config.brokerUrl.startsWith('kafka:'))
    return createBus({ url: config.brokerUrl, logger: silentLogger });
  // Optional peer dependency: only a Kafka run behind the proxy loads it.
  const kafka = await import('@polybus/kafka');
  const transport = kafka.kafkaTransport({
    ...kafka.kafkaOptionsFromUrl(config.options.url),
    logger: silentLogger,
    socketFactory: ({ onConnect }) => connect({ host: '127.0.0.1', port }, onConnect),
  });
  return createBus({ transport, logger: silentLogger });
}
