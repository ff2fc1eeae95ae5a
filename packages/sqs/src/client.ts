import { SQSClient } from '@aws-sdk/client-sqs';
import type { SqsTransportOptions } from './options';

/**
 * The `SQSClient` that `sqsTransport` builds when it is given no `client`, from `region`,
 * `endpoint` and `credentials` (absent ones take the SDK's defaults).
 *
 * It turns on the SDK's `cacheMiddleware`: without it the SDK clones and sorts its middleware stack
 * on every call, a large share of a consumer's CPU at ten messages a receive
 * (bench/client-cost-instructions.sh counts it). The cache has one condition: nobody changes the client's or a command's middleware stack
 * after the first call. Polybus never does. A client built here and then given to Polybus (the
 * `client` option) must not be changed either.
 */
export function createSqsClient(
  options: Pick<SqsTransportOptions, 'region' | 'endpoint' | 'credentials'> = {},
): SQSClient {
  return new SQSClient({
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    cacheMiddleware: true,
  });
}
