import { ConfigurationError } from '@polybus/core';
import { optionsFromUrl, rabbitmqTransport } from '../src';
import { retryBucket } from '../src/naming';

describe('rabbitmq options', () => {
  const refused = (options: object, field: string) => {
    try {
      rabbitmqTransport({ url: 'amqp://localhost', ...options });
    } catch (error) {
      expect(ConfigurationError.is(error)).toBe(true);
      expect((error as ConfigurationError).field).toBe(field);
      return;
    }
    throw new Error(`accepted ${JSON.stringify(options)}`);
  };

  it('refuses bad options at construction, naming the field', () => {
    refused({ url: 'http://localhost' }, 'url');
    refused({ prefetch: 0 }, 'prefetch');
    refused({ queueType: 'stream' }, 'queueType');
    refused({ deliveryLimit: 3 }, 'deliveryLimit');
    refused({ retryDelaysMs: [100, 50] }, 'retryDelaysMs');
    refused({ publishTimeoutMs: -1 }, 'publishTimeoutMs');
    refused({ reconnect: { initialDelayMs: 500, maxDelayMs: 100 } }, 'reconnect.maxDelayMs');
    // a misspelt option used to be ignored in silence
    refused({ prefech: 8 }, 'prefech');
    refused({ reconnect: { initialDelay: 100 } }, 'reconnect.initialDelay');
    expect(rabbitmqTransport({ url: 'amqps://h', queueType: 'quorum', deliveryLimit: 5 }).name).toBe(
      'rabbitmq',
    );
  });

  it('reads its own URL parameters and passes the rest to amqplib', () => {
    const options = optionsFromUrl(new URL('amqp://u:p@h:5673/v?prefetch=32&queueType=quorum&heartbeat=10'));
    expect(options).toMatchObject({
      prefetch: 32,
      queueType: 'quorum',
      url: 'amqp://u:p@h:5673/v?heartbeat=10',
    });
    expect(() => optionsFromUrl(new URL('amqp://h?prefetch=many'))).toThrow(/url.prefetch/);
    // A misspelt option is refused, not ignored; amqplib's own parameters pass on to it.
    expect(() => optionsFromUrl(new URL('amqp://h?prefech=32'))).toThrow(
      /url\.prefech: unknown query parameter/,
    );
    expect(optionsFromUrl(new URL('amqp://h?heartbeat=5&frameMax=8192')).url).toContain('heartbeat=5');
  });

  it('rounds retry delays up to the next bucket, capped at the last', () => {
    const buckets = [10, 100, 1000];
    expect([0, 10, 11, 100, 999, 5000].map((d) => retryBucket(d, buckets))).toEqual([
      10, 10, 100, 100, 1000, 1000,
    ]);
  });
});
