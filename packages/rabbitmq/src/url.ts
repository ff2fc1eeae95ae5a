import { ConfigurationError, type Transport } from '@polybus/core';
import { rejectUnknownParams, type TransportContext } from '@polybus/core/transport';
import type { RabbitmqTransportOptions } from './options';
import { rabbitmqTransport } from './transport';

/** Query parameters Polybus reads itself; amqplib's own (`AMQP_PARAMS`) go on to it. */
const OWN_PARAMS = [
  'prefetch',
  'queueType',
  'deliveryLimit',
  'publishTimeoutMs',
  'connectTimeoutMs',
  'connectionName',
] as const;
/** The ones amqplib reads from a URL (its `connect.js`). */
const AMQP_PARAMS = ['frameMax', 'channelMax', 'heartbeat', 'locale', 'maxFrameSize'] as const;
const URL_PARAMS = new Set<string>([...OWN_PARAMS, ...AMQP_PARAMS]);

function intParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value))
    throw new ConfigurationError(`url.${name}`, `must be an integer, got '${raw}'`);
  return value;
}

/**
 * Options from `amqp://user:pass@host:5672/vhost?prefetch=32&queueType=quorum` (and `amqps://`).
 * Exported for tests and for `createBus({ url })` callers who want to inspect the mapping.
 */
export function optionsFromUrl(url: URL): RabbitmqTransportOptions {
  if (url.protocol !== 'amqp:' && url.protocol !== 'amqps:')
    throw new ConfigurationError('url', `scheme must be amqp: or amqps:, got '${url.protocol}'`);
  rejectUnknownParams(url.searchParams, URL_PARAMS);
  const brokerUrl = new URL(url.href);
  for (const name of OWN_PARAMS) brokerUrl.searchParams.delete(name);
  const queueType = url.searchParams.get('queueType') ?? undefined;
  return {
    url: brokerUrl.href,
    prefetch: intParam(url, 'prefetch'),
    queueType: queueType as RabbitmqTransportOptions['queueType'],
    deliveryLimit: intParam(url, 'deliveryLimit'),
    publishTimeoutMs: intParam(url, 'publishTimeoutMs'),
    connectTimeoutMs: intParam(url, 'connectTimeoutMs'),
    connectionName: url.searchParams.get('connectionName') ?? undefined,
  };
}

/** What `createBus({ url: 'amqp://...' })` calls. */
export function createTransportFromUrl(url: URL, context: TransportContext = {}): Transport {
  return rabbitmqTransport({ logger: context.logger, ...optionsFromUrl(url) });
}
