import { ConfigurationError, type Transport } from '@polybus/core';
import type { TransportContext } from '@polybus/core/transport';
import type { RedisStreamsOptions } from './options';
import { redisStreamsTransport } from './transport';

const NUMERIC = [
  'maxLen',
  'claimIdleMs',
  'claimIntervalMs',
  'blockMs',
  'batchSize',
  'staleConsumerMs',
  'publishAttempts',
  'publishTimeoutMs',
  'connectTimeoutMs',
] as const;

/**
 * `redis://[user:pass@]host[:port][/db][?claimIdleMs=..&maxLen=..&consumerName=..]`, or `rediss://`
 * for TLS. Transport options travel as query parameters and are removed before the URL reaches
 * ioredis; any other parameter is left for ioredis.
 */
export function createTransportFromUrl(url: URL, context: TransportContext = {}): Transport {
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigurationError('url', `expected redis:// or rediss://, got '${url.protocol}//'`);
  }
  const connection = new URL(url.href);
  const options: { -readonly [K in keyof RedisStreamsOptions]: RedisStreamsOptions[K] } = {};
  for (const name of NUMERIC) {
    const raw = connection.searchParams.get(name);
    if (raw === null) continue;
    const value = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(value)) {
      throw new ConfigurationError(name, `URL parameter must be a number, got '${raw}'`);
    }
    options[name] = value;
    connection.searchParams.delete(name);
  }
  const consumerName = connection.searchParams.get('consumerName');
  if (consumerName !== null) {
    options.consumerName = consumerName;
    connection.searchParams.delete('consumerName');
  }
  return redisStreamsTransport({ logger: context.logger, ...options, url: connection.href });
}
