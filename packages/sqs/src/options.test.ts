import { ConfigurationError } from '@polybus/core';
import { resolveOptions } from './options';
import { createTransportFromUrl } from './url';

describe('resolveOptions', () => {
  it('fills defaults', () => {
    const o = resolveOptions({ region: 'us-east-1' });
    expect(o).toMatchObject({
      fifo: 'by-name',
      waitTimeSeconds: 20,
      visibilityTimeoutSeconds: 30,
      heartbeatIntervalMs: 10_000,
      maxMessageBytes: 262_144,
      autoCreateQueues: true,
    });
  });

  it.each([
    [{ waitTimeSeconds: 21 }, 'waitTimeSeconds'],
    [{ visibilityTimeoutSeconds: 0 }, 'visibilityTimeoutSeconds'],
    [{ visibilityTimeoutSeconds: 2, heartbeatIntervalMs: 2000 }, 'heartbeatIntervalMs'],
    [{ fifo: 'sometimes' }, 'fifo'],
    [{ endpoint: 'not a url' }, 'endpoint'],
    [{ regoin: 'typo' }, 'regoin'],
  ])('refuses %j naming the field', (options, field) => {
    let error: unknown;
    try {
      resolveOptions(options as never);
    } catch (e) {
      error = e;
    }
    expect(ConfigurationError.is(error)).toBe(true);
    expect((error as ConfigurationError).field).toBe(field);
  });
});

describe('createTransportFromUrl', () => {
  it('builds an SQS transport from the URL', () => {
    const t = createTransportFromUrl(
      new URL('sqs://x:x@127.0.0.1:9324?region=us-east-1&fifo=always&waitTimeSeconds=1'),
    );
    expect(t.name).toBe('sqs');
    expect(t.capabilities.nativeDeduplication).toBe(true);
    expect(t.capabilities.consumerGroups).toBe(false);
  });

  it('refuses unknown parameters and bad numbers', () => {
    expect(() => createTransportFromUrl(new URL('sqs://h:1?colour=red'))).toThrow(/url.colour/);
    expect(() => createTransportFromUrl(new URL('sqs://h:1?waitTimeSeconds=soon'))).toThrow(
      /waitTimeSeconds/,
    );
  });
});
