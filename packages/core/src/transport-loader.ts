import { rejectUnknownParams } from './kit/options';
import { ConfigurationError } from './errors/configuration-error';
import { memoryTransport } from './memory/memory-transport';
import type { Transport, TransportContext, TransportFromUrl } from './transport';

/** URL scheme → the adapter package that serves it. */
const ADAPTERS: Readonly<Record<string, { pkg: string; client: string; hostList?: true }>> = {
  // kafka://a:9092,b:9092 is not a WHATWG URL; the adapter parses that string itself.
  'kafka:': { pkg: '@polybus/kafka', client: 'kafkajs', hostList: true },
  'amqp:': { pkg: '@polybus/rabbitmq', client: 'amqplib' },
  'amqps:': { pkg: '@polybus/rabbitmq', client: 'amqplib' },
  'sqs:': { pkg: '@polybus/sqs', client: '@aws-sdk/client-sqs' },
  'redis:': { pkg: '@polybus/redis-streams', client: 'ioredis' },
  'rediss:': { pkg: '@polybus/redis-streams', client: 'ioredis' },
};

/** The part of Node's `require` the loader uses; a parameter so tests can stand in for a missing package. */
export interface ModuleLoader {
  (id: string): unknown;
  resolve(id: string, options?: { paths?: string[] }): string;
}

/**
 * Makes the transport a URL names. Adapters are loaded on demand (core imports none of them), first
 * from core's own resolution, then from the application's working directory. `context` (the bus's
 * logger) reaches the adapter.
 */
export function transportFromUrl(
  url: string,
  loader: ModuleLoader = require,
  context: TransportContext = {},
): Transport {
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\//i.exec(String(url))?.[1].toLowerCase();
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch (cause) {
    if (!scheme || !ADAPTERS[scheme]?.hostList)
      throw new ConfigurationError('url', `'${url}' is not a valid URL`, { cause });
  }
  if (scheme === 'memory:') {
    rejectUnknownParams(parsed!.searchParams, new Set());
    return memoryTransport({ namespace: parsed!.host || 'default' });
  }
  const adapter = scheme === undefined ? undefined : ADAPTERS[scheme];
  if (!adapter)
    throw new ConfigurationError(
      'url',
      `unknown scheme '${scheme ?? url}'; use one of memory:, ${Object.keys(ADAPTERS).join(', ')}`,
    );
  const factory = load(loader, adapter.pkg, adapter.client).createTransportFromUrl as
    TransportFromUrl | undefined;
  if (typeof factory !== 'function')
    throw new ConfigurationError('url', `${adapter.pkg} does not export createTransportFromUrl; upgrade it`);
  return factory(parsed ?? url, context);
}

function load(loader: ModuleLoader, pkg: string, client: string): Record<string, unknown> {
  try {
    return loader(pkg) as Record<string, unknown>;
  } catch (error) {
    if (!isMissing(error, pkg)) throw error;
  }
  try {
    return loader(loader.resolve(pkg, { paths: [process.cwd()] })) as Record<string, unknown>;
  } catch (error) {
    if (!isMissing(error, pkg)) throw error;
    throw new ConfigurationError(
      'url',
      `this URL needs the ${pkg} package: install it with \`npm install ${pkg} ${client}\``,
      {
        cause: error,
      },
    );
  }
}

function isMissing(error: unknown, pkg: string): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === 'MODULE_NOT_FOUND' && (e.message ?? '').includes(pkg);
}
