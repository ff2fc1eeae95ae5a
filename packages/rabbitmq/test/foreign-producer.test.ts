import { createBus, Headers, PermanentError, silentLogger, type Bus, type Message } from '@polybus/core';
import { createSpy } from '@polybus/core/testing';
import { AmqpHeaders, retainedQueueName } from '../src';
import { getOne, rawConnection, transport, unique, waitFor } from './helpers';

/** Header names are the documented ones, spelt out (docs/adapters/rabbitmq.md, Foreign producers). */
const TYPES = 'polybus-amqp-types';
const at = { '!': 'timestamp', value: 1_700_000_000 };
/** One header of each AMQP type, as a raw amqplib producer writes them. */
const typedHeaders = {
  s: 'text',
  int: 42,
  wide: -70_000,
  long: { '!': 'long', value: 2 ** 40 },
  float: 2.5,
  yes: true,
  no: false,
  nil: null,
  at,
  dec: { '!': 'decimal', value: { places: 2, digits: 12345 } },
  bin: Buffer.from([0, 1, 2, 255]),
  table: {
    n: 1,
    s: 'x',
    deep: { ok: true, at: { '!': 'timestamp', value: 1_700_000_001 }, b: Buffer.from('hi') },
  },
  list: [1, 'two', false, [3], at],
};
/** The same as a consumer reads them back: amqplib decodes every integer width to a number. */
const decodedHeaders = { ...typedHeaders, long: 2 ** 40 };
const properties = {
  correlationId: 'corr-1',
  replyTo: 'replies.q',
  type: 'order.created',
  appId: 'legacy-app',
  userId: 'guest', // RabbitMQ accepts only the publishing connection's own user
  priority: 7,
  contentEncoding: 'identity',
};
const expiration = '600000';

describe('rabbitmq: messages of a foreign producer', () => {
  const buses: Bus[] = [];
  const bus = () => {
    const b = createBus({ transport: transport(), logger: silentLogger });
    buses.push(b);
    return b;
  };
  afterAll(() => Promise.all(buses.map((b) => b.stop({ timeoutMs: 2_000 }))));

  it('typed headers and properties reach the handler as documented text, survive a delayed retry, and the dead letter has them as published', async () => {
    const topic = unique('foreign-types');
    const b = bus();
    const seen: Array<{ message: Message; attempt: number }> = [];
    b.bind(
      topic,
      async (message, ctx) => {
        seen.push({ message, attempt: ctx.attempt });
        if (ctx.attempt === 1) throw new Error('transient'); // handed to a TTL retry queue
        throw new PermanentError('no way');
      },
      { group: 'g', retry: { maxAttempts: 5, initialDelayMs: 20, jitter: false, immediateAttempts: 1 } },
    );
    const dead = createSpy();
    b.bind(`${topic}.dlq`, dead.handler, { group: 'ops' });
    await b.start();

    const raw = await rawConnection();
    try {
      const ch = await raw.createConfirmChannel();
      ch.publish(topic, 'order.7', Buffer.from('{"order":7}'), {
        ...properties,
        expiration,
        messageId: 'foreign-1',
        contentType: 'application/json',
        timestamp: 1_700_000_000,
        persistent: true,
        headers: typedHeaders,
      });
      await ch.waitForConfirms();
      await waitFor('two attempts', () => seen.length === 2);

      const [first, second] = seen;
      expect(first.message.id).toBe('foreign-1');
      expect(first.message.key).toBe('order.7');
      expect(first.message.timestamp).toBe(1_700_000_000_000);
      expect(first.message.body).toEqual({ order: 7 });
      const { [TYPES]: types, ...headers } = first.message.headers;
      expect(headers).toEqual({
        s: 'text',
        int: '42',
        wide: '-70000',
        long: '1099511627776',
        float: '2.5',
        yes: 'true',
        no: 'false',
        nil: '',
        at: '2023-11-14T22:13:20Z',
        dec: '123.45',
        bin: 'base64:AAEC/w==',
        table: '{"n":1,"s":"x","deep":{"ok":true,"at":"2023-11-14T22:13:21Z","b":"base64:aGk="}}',
        list: '[1,"two",false,[3],"2023-11-14T22:13:20Z"]',
        'amqp-correlation-id': 'corr-1',
        'amqp-reply-to': 'replies.q',
        'amqp-type': 'order.created',
        'amqp-app-id': 'legacy-app',
        'amqp-user-id': 'guest',
        'amqp-priority': '7',
        'amqp-expiration': expiration,
        'amqp-content-encoding': 'identity',
        [Headers.id]: 'foreign-1',
        [Headers.contentType]: 'application/json',
      });
      expect(JSON.parse(types)).toEqual({
        int: 'number',
        wide: 'number',
        long: 'number',
        float: 'number',
        yes: 'boolean',
        no: 'boolean',
        nil: 'void',
        at: 'timestamp',
        dec: 'decimal',
        bin: 'bytes',
        table: { table: { deep: { table: { at: 'timestamp', b: 'bytes' } } } },
        list: { array: { 4: 'timestamp' } },
      });
      // The retry copy went through the broker with the types and properties: seen the same
      // (the broker sorted the header table when it dead-lettered the copy back: so the list).
      expect(second.attempt).toBe(2);
      const { [TYPES]: typesAgain, ...headersAgain } = second.message.headers;
      expect(headersAgain).toEqual({ ...headers, [Headers.attempt]: '2' });
      expect(JSON.parse(typesAgain)).toEqual(JSON.parse(types));

      const letter = await getOne(ch, retainedQueueName(`${topic}.dlq`));
      expect(letter.content.toString()).toBe('{"order":7}');
      expect(letter.properties).toMatchObject({
        ...properties,
        messageId: 'foreign-1',
        contentType: 'application/json',
        timestamp: 1_700_000_000,
        deliveryMode: 2,
      });
      // As when RabbitMQ dead-letters a message itself: the letter must not expire again.
      expect(letter.properties.expiration).toBeUndefined();
      expect(letter.properties.headers).toEqual({
        ...decodedHeaders,
        'amqp-expiration': expiration,
        [Headers.attempt]: '2',
        [AmqpHeaders.key]: 'order.7',
        [AmqpHeaders.timestamp]: '1700000000000',
        [Headers.dlqReason]: 'permanent-error',
        [Headers.dlqError]: 'PermanentError: no way',
        [Headers.dlqSource]: topic,
        [Headers.dlqGroup]: 'g',
        [Headers.dlqAttempts]: '2',
        [Headers.dlqFailedAt]: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        'polybus-dlq-amqp-exchange': '', // the retry came back through the default exchange
        'polybus-dlq-amqp-routing-key': `${topic}.g`,
        'polybus-dlq-amqp-redelivered': 'false',
        'polybus-dlq-amqp-queue': `${topic}.g`,
      });

      // A Polybus consumer of the dead-letter topic reads the headers as the first handler did.
      const letterSeen = await dead.waitFor({ id: 'foreign-1' }, { timeoutMs: 20_000 });
      expect(letterSeen.headers).toMatchObject(headers);
      expect(JSON.parse(letterSeen.headers[TYPES])).toEqual(JSON.parse(types));

      await ch.deleteQueue(`${topic}.g`);
      await ch.deleteQueue(`${topic}.dlq.ops`);
      await ch.deleteQueue(retainedQueueName(`${topic}.dlq`));
      await ch.deleteExchange(topic);
      await ch.deleteExchange(`${topic}.dlq`);
    } finally {
      await raw.close();
    }
  });

  it('a Polybus publish with amqp-* headers sets those properties; string headers get no types header', async () => {
    const topic = unique('foreign-props');
    const raw = await rawConnection();
    try {
      const ch = await raw.createChannel();
      await ch.assertExchange(topic, 'topic', { durable: true });
      const { queue } = await ch.assertQueue('', { exclusive: true });
      await ch.bindQueue(queue, topic, '#');
      await bus().publish(
        topic,
        { q: 1 },
        {
          headers: {
            tenant: 'acme',
            'amqp-correlation-id': 'req-9',
            'amqp-reply-to': 'my.replies',
            'amqp-priority': '3',
            'amqp-expiration': '60000',
          },
        },
      );
      const m = await getOne(ch, queue);
      expect(m.properties).toMatchObject({
        correlationId: 'req-9',
        replyTo: 'my.replies',
        priority: 3,
        expiration: '60000',
      });
      expect(Object.keys(m.properties.headers ?? {}).sort()).toEqual(
        [AmqpHeaders.timestamp, 'tenant'].sort(),
      );
      await ch.deleteExchange(topic);
    } finally {
      await raw.close();
    }
  });
});
