import type { ConsumeMessage, MessageProperties, XDeath } from 'amqplib';
import { Headers, type TransportMessage } from '@polybus/core';
import { TYPES_HEADER } from './header-values';
import { fromAmqp, toAmqp } from './wire';
import { PropertyHeaders, type WriteMode } from './properties';

const publish: WriteMode = { confirmed: true, copy: false, user: 'guest' };
const copy: WriteMode = { confirmed: true, copy: true, user: 'guest' };

/** A delivery as amqplib hands it over: every property key present, unset ones undefined. */
function delivered(properties: Partial<MessageProperties>, routingKey = 'k'): ConsumeMessage {
  return {
    content: Buffer.from('{}'),
    fields: { deliveryTag: 1, redelivered: false, exchange: 't', routingKey, consumerTag: 'c' },
    properties: {
      contentType: undefined,
      contentEncoding: undefined,
      headers: undefined,
      deliveryMode: undefined,
      priority: undefined,
      correlationId: undefined,
      replyTo: undefined,
      expiration: undefined,
      messageId: undefined,
      timestamp: undefined,
      type: undefined,
      userId: undefined,
      appId: undefined,
      clusterId: undefined,
      ...properties,
    },
  };
}

const foreignProperties = {
  correlationId: 'corr-1',
  replyTo: 'replies',
  type: 'order.created',
  appId: 'legacy',
  userId: 'guest',
  priority: 7,
  expiration: '600000',
  contentEncoding: 'gzip',
};

describe('fromAmqp / toAmqp', () => {
  it('a Polybus message with string headers gets no types header and no property headers', () => {
    const message: TransportMessage = {
      id: 'id-1',
      topic: 't',
      key: 'k',
      headers: {
        [Headers.id]: 'id-1',
        [Headers.contentType]: 'application/json',
        tenant: 'acme',
        attempt: 'x',
      },
      payload: Buffer.from('{}'),
      timestamp: 1_700_000_000_123,
    };
    const { options } = toAmqp(message, publish);
    expect(options).toEqual({
      messageId: 'id-1',
      contentType: 'application/json',
      timestamp: 1_700_000_000,
      persistent: true,
      mandatory: true,
      headers: { tenant: 'acme', attempt: 'x', 'polybus-timestamp': '1700000000123', 'polybus-key': 'k' },
    });
    const back = fromAmqp(delivered(options), 't');
    expect(back.headers).toEqual(message.headers);
    expect(back.timestamp).toBe(message.timestamp);
  });

  it('foreign properties become amqp-* headers, and properties again in the copy', () => {
    const received = fromAmqp(
      delivered({ ...foreignProperties, messageId: 'm-1', timestamp: 1_700_000_000 }),
      't',
    );
    expect(received.headers).toEqual({
      'amqp-correlation-id': 'corr-1',
      'amqp-reply-to': 'replies',
      'amqp-type': 'order.created',
      'amqp-app-id': 'legacy',
      'amqp-user-id': 'guest',
      'amqp-priority': '7',
      'amqp-expiration': '600000',
      'amqp-content-encoding': 'gzip',
      [Headers.id]: 'm-1',
    });
    expect(received.timestamp).toBe(1_700_000_000_000);
    const { expiration, ...others } = foreignProperties;
    const written = toAmqp(received, copy).options;
    expect(written).toMatchObject({ ...others, messageId: 'm-1', timestamp: 1_700_000_000 });
    // A copy does not expire again (as RabbitMQ's own dead-lettering): the value stays a header.
    expect(written.expiration).toBeUndefined();
    expect(written.headers).toEqual({
      'amqp-expiration': expiration,
      'polybus-timestamp': '1700000000000',
      'polybus-key': 'k',
    });
    // A publish (not a copy) sets it.
    expect(toAmqp(received, publish).options.expiration).toBe(expiration);
  });

  it('a property header the broker or amqplib would refuse travels as a header', () => {
    const headers = {
      [Headers.id]: 'id-1',
      [PropertyHeaders.userId]: 'alice', // not the publishing connection's user
      [PropertyHeaders.priority]: '256',
      [PropertyHeaders.expiration]: '-5',
      [PropertyHeaders.type]: 'x'.repeat(256),
    };
    const { options } = toAmqp({ id: 'id-1', topic: 't', headers, payload: '', timestamp: 1 }, publish);
    expect(options).not.toHaveProperty('userId');
    expect(options).not.toHaveProperty('priority');
    expect(options).not.toHaveProperty('expiration');
    expect(options).not.toHaveProperty('type');
    const { [Headers.id]: _id, ...kept } = headers;
    expect(options.headers).toMatchObject(kept);
  });

  it('typed headers: shown as text with their types listed, written back with those types', () => {
    const at = { '!': 'timestamp', value: 1_700_000_000 };
    const typed = { n: 7, ok: true, at, bin: Buffer.from('hi'), t: { a: [1, at] }, s: 'plain' };
    const received = fromAmqp(delivered({ headers: typed }), 't');
    expect(received.headers).toMatchObject({
      n: '7',
      ok: 'true',
      at: '2023-11-14T22:13:20Z',
      bin: 'base64:aGk=',
      t: '{"a":[1,"2023-11-14T22:13:20Z"]}',
      s: 'plain',
    });
    expect(JSON.parse(received.headers[TYPES_HEADER])).toEqual({
      n: 'number',
      ok: 'boolean',
      at: 'timestamp',
      bin: 'bytes',
      t: { table: { a: { array: { 1: 'timestamp' } } } },
    });
    const { headers } = toAmqp({ ...received, headers: { ...received.headers, s: 'changed' } }, copy).options;
    expect(headers).toEqual({
      ...typed,
      s: 'changed',
      'polybus-timestamp': String(received.timestamp),
      'polybus-key': 'k',
    });
  });

  it('the broker headers of a retry round trip stay out, typed or not', () => {
    const death: XDeath = {
      count: 1,
      reason: 'expired',
      queue: 'polybus.retry.10',
      exchange: '',
      'routing-keys': ['t.g'],
      time: { '!': 'timestamp', value: 1_700_000_000 },
    };
    const headers = { 'x-death': [death], 'x-first-death-queue': 'polybus.retry.10' };
    const received = fromAmqp(delivered({ headers }), 't');
    expect(received.headers).not.toHaveProperty('x-death');
    expect(received.headers).not.toHaveProperty(TYPES_HEADER);
  });
});
