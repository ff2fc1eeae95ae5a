import { ConfigurationError, type Transport } from '@polybus/core';
import type { TransportContext } from '@polybus/core/transport';
import type { SqsTransportOptions } from './options';
import { sqsTransport } from './transport';

const NUMBERS = [
  'waitTimeSeconds',
  'visibilityTimeoutSeconds',
  'heartbeatIntervalMs',
  'pollers',
  'publishLingerMs',
  'ackLingerMs',
  'maxMessageBytes',
  'redriveMaxReceiveCount',
  'publishTimeoutMs',
  'connectTimeoutMs',
] as const;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const STRINGS = ['region', 'fifo', 'defaultMessageGroupId'] as const;

/**
 * `sqs://[accessKeyId:secretAccessKey@]host[:port]?region=…[&tls=true][&<option>=…]`
 *
 * The endpoint is `http://host:port` (`https` with `tls=true`): `sqs://x:x@127.0.0.1:9324?region=us-east-1`
 * for ElasticMQ, `sqs://sqs.eu-west-1.amazonaws.com?region=eu-west-1&tls=true` for AWS. Without a
 * host (`sqs://?region=eu-west-1`) the SDK picks the region's AWS endpoint. Without credentials in the
 * URL the SDK's default chain applies (environment, profile, instance role) — except for a loopback
 * host with no AWS credentials in the environment: local emulators (ElasticMQ) accept any, so
 * placeholder ones are used rather than failing on a missing profile. Numeric and string
 * options of `sqsTransport` may be given as query parameters, plus `autoCreateQueues=false`.
 */
export function createTransportFromUrl(url: URL, context: TransportContext = {}): Transport {
  if (url.protocol !== 'sqs:')
    throw new ConfigurationError('url', `expected an sqs:// URL, got '${url.protocol}//'`);
  const options: Record<string, unknown> = { logger: context.logger };
  const tls = url.searchParams.get('tls');
  if (tls !== null && tls !== 'true' && tls !== 'false')
    throw new ConfigurationError('url.tls', `must be true or false, got '${tls}'`);
  if (url.hostname !== '') options.endpoint = `${tls === 'true' ? 'https' : 'http'}://${url.host}`;
  if (url.username !== '')
    options.credentials = {
      accessKeyId: decodeURIComponent(url.username),
      secretAccessKey: decodeURIComponent(url.password),
    };
  else if (LOOPBACK.has(url.hostname) && !process.env.AWS_ACCESS_KEY_ID)
    options.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  for (const [name, value] of url.searchParams) {
    if (name === 'tls') continue;
    if ((STRINGS as readonly string[]).includes(name)) options[name] = value;
    else if ((NUMBERS as readonly string[]).includes(name)) {
      if (!/^\d+$/.test(value))
        throw new ConfigurationError(`url.${name}`, `must be a whole number, got '${value}'`);
      options[name] = Number(value);
    } else if (name === 'autoCreateQueues') options[name] = value !== 'false';
    else throw new ConfigurationError(`url.${name}`, 'unknown query parameter');
  }
  return sqsTransport(options as SqsTransportOptions);
}
