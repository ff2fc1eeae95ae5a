import { ConfigurationError, type Transport } from '@polybus/core';
import { rejectUnknownParams, type TransportContext } from '@polybus/core/transport';
import { kafkaTransport } from './transport';
import type { KafkaTransportOptions } from './options';

/**
 * Options from `kafka://host:port[,host:port][?clientId=..&partitions=..&acks=..&compression=gzip]`.
 * The WHATWG `URL` cannot hold several `host:port` pairs, so pass the string for that form;
 * `kafka://a,b:9092` (one port for all) and `?brokers=c:9092,d:9092` also work on a `URL`.
 */
export function kafkaOptionsFromUrl(input: URL | string): KafkaTransportOptions {
  const text = String(input);
  const match = /^kafka:\/\/([^/?#]*)(?:\/[^?#]*)?(?:\?([^#]*))?/i.exec(text);
  if (!match) throw new ConfigurationError('url', `expected kafka://host:port[,host:port], got ${text}`);
  const params = new URLSearchParams(match[2] ?? '');
  rejectUnknownParams(params, URL_PARAMS);
  const hosts = match[1].split(',').filter(Boolean);
  const lastPort = /:(\d+)$/.exec(hosts[hosts.length - 1] ?? '')?.[1] ?? '9092';
  const brokers = hosts.map((h) => (/:\d+$/.test(h) ? h : `${h}:${lastPort}`));
  for (const extra of (params.get('brokers') ?? '').split(',').filter(Boolean)) brokers.push(extra);
  if (brokers.length === 0) throw new ConfigurationError('url', `no broker in ${text}`);
  const options: KafkaTransportOptions = { brokers };
  const clientId = params.get('clientId');
  if (clientId) options.clientId = clientId;
  const partitions = params.get('partitions');
  if (partitions) options.topics = { partitions: Number(partitions) };
  const acks = params.get('acks');
  if (acks !== null) options.acks = (acks === 'all' ? -1 : Number(acks)) as KafkaTransportOptions['acks'];
  const compression = params.get('compression');
  if (compression) options.compression = compression as KafkaTransportOptions['compression'];
  for (const name of ['connectTimeoutMs', 'publishTimeoutMs'] as const) {
    const raw = params.get(name);
    if (raw !== null) options[name] = Number(raw); // checked by kafkaTransport like any option
  }
  const retryTopics = params.get('retryTopics');
  if (retryTopics !== null) {
    if (retryTopics !== 'true' && retryTopics !== 'false')
      throw new ConfigurationError('retryTopics', `must be true or false in the URL, got ${retryTopics}`);
    options.retryTopics = retryTopics === 'true';
  }
  return options;
}

const URL_PARAMS = new Set([
  'brokers',
  'clientId',
  'partitions',
  'acks',
  'compression',
  'retryTopics',
  'connectTimeoutMs',
  'publishTimeoutMs',
]);

/** What `createBus({ url: 'kafka://...' })` calls. Accepts the string form for several brokers. */
export function createTransportFromUrl(url: URL | string, context: TransportContext = {}): Transport {
  return kafkaTransport({ logger: context.logger, ...kafkaOptionsFromUrl(url) });
}
