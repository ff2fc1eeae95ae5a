import { ConfigurationError } from '@polybus/core';
import { kafkaOptionsFromUrl, kafkaTransport } from '../src';
import { planPublish } from '../src/publish-plan';

describe('kafka options', () => {
  it.each([
    [{}, 'brokers'],
    [{ brokers: [] }, 'brokers'],
    [{ brokers: ['nohost'] }, 'brokers[0]'],
    [{ brokers: ['a:1'], acks: 2 }, 'acks'],
    [{ brokers: ['a:1'], compression: 'brotli' }, 'compression'],
    [{ brokers: ['a:1'], topics: { partitions: 0 } }, 'topics.partitions'],
    [
      { brokers: ['a:1'], consumer: { sessionTimeout: 1000, heartbeatInterval: 1000 } },
      'consumer.heartbeatInterval',
    ],
    [{ brokers: ['a:1'], transactions: { idPrefix: '' } }, 'transactions.idPrefix'],
    [{ brokers: ['a:1'], retryTopics: 'yes' }, 'retryTopics'],
    [{ brokers: ['a:1'], clientID: 'x' }, 'clientID'],
    [{ brokers: ['a:1'], consumer: { sessionTimeoutMs: 10_000 } }, 'consumer.sessionTimeoutMs'],
    [{ brokers: ['a:1'], topics: { partition: 3 } }, 'topics.partition'],
    [{ brokers: ['a:1'], transactions: { maxBatch: 10 } }, 'transactions.maxBatch'],
    [{ brokers: ['a:1'], consumer: 'fast' }, 'consumer'],
  ])('refuses %j with ConfigurationError naming %s', (options, field) => {
    expect(() => kafkaTransport(options as never)).toThrow(ConfigurationError);
    expect(() => kafkaTransport(options as never)).toThrow(expect.objectContaining({ field }));
  });

  it('declares its capabilities honestly', () => {
    expect(kafkaTransport({ brokers: ['a:1'] }).capabilities).toEqual({
      consumerGroups: true,
      competingConsumers: true,
      perKeyOrdering: true,
      transactions: true,
      nativeDeduplication: false,
      delayedRedelivery: false,
      persistent: true,
      maxMessageBytes: 1_000_000,
    });
    // Retry topics make a delayed nack a real delayed redelivery.
    expect(kafkaTransport({ brokers: ['a:1'], retryTopics: true }).capabilities.delayedRedelivery).toBe(true);
  });

  it('maps each publish guarantee to producer settings and refuses weakening acks', () => {
    expect(planPublish('at-most-once', undefined)).toEqual({ role: 'fire', acks: 0 });
    expect(planPublish('at-least-once', undefined)).toEqual({ role: 'reliable', acks: -1 });
    expect(planPublish('at-least-once', 1)).toEqual({ role: 'reliable', acks: 1 });
    expect(planPublish('exactly-once', undefined)).toEqual({ role: 'idempotent', acks: -1 });
    expect(() => planPublish('exactly-once', 1)).toThrow(expect.objectContaining({ field: 'acks' }));
    expect(() => planPublish('at-least-once', 0)).toThrow(expect.objectContaining({ field: 'acks' }));
  });
});

describe('kafka URL', () => {
  it('reads several brokers from the string form and options from the query', () => {
    expect(
      kafkaOptionsFromUrl(
        'kafka://a:9092,b:9093?clientId=billing&partitions=6&acks=all&compression=gzip&retryTopics=true',
      ),
    ).toEqual({
      brokers: ['a:9092', 'b:9093'],
      clientId: 'billing',
      topics: { partitions: 6 },
      acks: -1,
      compression: 'gzip',
      retryTopics: true,
    });
    expect(() => kafkaOptionsFromUrl('kafka://a:9092?clientid=x')).toThrow(
      /url\.clientid: unknown query parameter/,
    );
    expect(() => kafkaOptionsFromUrl('kafka://a:9092?retryTopics=yes')).toThrow(
      expect.objectContaining({ field: 'retryTopics' }),
    );
  });

  it('reads URL objects: shared port and extra brokers', () => {
    expect(kafkaOptionsFromUrl(new URL('kafka://a,b:9092')).brokers).toEqual(['a:9092', 'b:9092']);
    expect(kafkaOptionsFromUrl(new URL('kafka://a:9092/?brokers=c:9094')).brokers).toEqual([
      'a:9092',
      'c:9094',
    ]);
  });
});

describe('transportFromUrl (what createBus({ url }) uses) with several brokers', () => {
  it('hands kafka://a:9092,b:9093 to the adapter instead of failing to parse it', async () => {
    const { transportFromUrl } = await import('@polybus/core');
    const transport = transportFromUrl('kafka://127.0.0.1:9092,127.0.0.2:9093');
    expect(transport.name).toBe('kafka');
    expect(() => transportFromUrl('amqp://a:1,b:2')).toThrow(/not a valid URL/);
  });
});
