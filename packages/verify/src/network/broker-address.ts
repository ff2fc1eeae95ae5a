import { ConfigurationError } from '@polybus/core';

/** Where a broker URL points: the one `host:port` a fault proxy stands in front of. */
export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

const DEFAULT_PORTS: Record<string, number> = {
  'redis:': 6379,
  'amqp:': 5672,
  'kafka:': 9092,
  'sqs:': 80,
};

/**
 * The broker of `url`. Network faults need exactly one, over plain TCP: a Kafka URL with several
 * brokers, an SQS URL without a host (the region's AWS endpoint), or TLS (the certificate names
 * the broker, not the proxy on 127.0.0.1) cannot be put behind the proxy.
 */
export function brokerAddress(url: string): BrokerAddress {
  if (/^kafka:\/\/[^/?#]*,|^kafka:.*[?&]brokers=/i.test(url))
    throw new ConfigurationError('faults', 'cut and stall need a single Kafka broker in the URL');
  const parsed = parse(url);
  if (parsed.hostname === '')
    throw new ConfigurationError('faults', `cut and stall need a broker host in the URL, got ${redact(url)}`);
  const port = parsed.port === '' ? DEFAULT_PORTS[parsed.protocol] : Number(parsed.port);
  if (!(parsed.protocol in DEFAULT_PORTS) || parsed.searchParams.get('tls') === 'true')
    throw new ConfigurationError(
      'faults',
      `cut and stall work on plain redis, amqp, kafka and sqs URLs, got ${redact(url)}`,
    );
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

/** `url` with its host and port replaced by the proxy's (`127.0.0.1:port`), everything else kept. */
export function throughProxy(url: string, proxyPort: number): string {
  const parsed = parse(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(proxyPort);
  return parsed.toString();
}

function parse(url: string): URL {
  try {
    return new URL(url);
  } catch (cause) {
    throw new ConfigurationError('url', `is not a URL: ${redact(url)}`, { cause });
  }
}

const redact = (url: string): string => url.replace(/\/\/[^@/]*@/, '//***@');
