import type { Message as SqsMessage } from '@aws-sdk/client-sqs';
import { type TransportMessage } from '@polybus/core';
import { payloadBuffer } from '@polybus/core/transport';
import { sqsId } from './sqs-ids';
import { attemptOf, decodeMessage, encodeMessage } from './wire';

const base: TransportMessage = {
  id: 'id-1',
  topic: 't',
  key: 'k',
  headers: { 'content-type': 'application/json' },
  payload: '{"a":1}', // text, as the JSON codec makes it
  timestamp: 1_700_000_000_000,
};

/** What SQS hands back for what we sent. */
function received(message: TransportMessage, extra: Partial<SqsMessage> = {}): SqsMessage {
  const wire = encodeMessage(message);
  return {
    MessageId: 'sqs-1',
    Body: wire.body,
    MessageAttributes: wire.attributes,
    Attributes: {},
    ...extra,
  };
}

describe('encodeMessage / decodeMessage', () => {
  it('round-trips id, key, headers, payload and timestamp; text stays text', () => {
    const wire = encodeMessage(base);
    expect(wire.body).toBe('{"a":1}');
    // `polybus-id` travels once, as the envelope's id, and comes back as a header.
    expect(decodeMessage('t', received(base)).message).toEqual({
      ...base,
      headers: { ...base.headers, 'polybus-id': 'id-1' },
    });
  });

  it('sends UTF-8 bytes as text and delivers text as a string, with no Buffer on the way', () => {
    const bytes = { ...base, payload: Buffer.from('{"a":"é"}') };
    expect(encodeMessage(bytes).body).toBe('{"a":"é"}');
    expect(decodeMessage('t', received(bytes)).message.payload).toBe('{"a":"é"}');
  });

  it('does not repeat the id in the packed headers', () => {
    const wire = encodeMessage({ ...base, headers: { ...base.headers, 'polybus-id': 'id-1' } });
    expect(JSON.parse(wire.attributes.polybus!.StringValue!)).toEqual({
      id: 'id-1',
      timestamp: base.timestamp,
      key: 'k',
      headers: { 'content-type': 'application/json' },
    });
  });

  it('packs any number of headers into few attributes (SQS allows 10)', () => {
    const headers = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`h-${i}`, `v${i}`]));
    const wire = encodeMessage({ ...base, headers });
    expect(Object.keys(wire.attributes)).toEqual(['polybus']);
    expect(decodeMessage('t', received({ ...base, headers })).message.headers).toEqual({
      ...headers,
      'polybus-id': 'id-1',
    });
  });

  it.each([
    ['binary', Buffer.from([0xff, 0x00, 0xfe, 0x01])],
    ['control characters', Buffer.from('a\u0000b\u0008')],
    ['empty', Buffer.alloc(0)],
  ])('carries a %s payload exactly', (_, payload) => {
    const message = { ...base, payload };
    const wire = encodeMessage(message);
    expect(wire.body.length).toBeGreaterThan(0);
    expect(payloadBuffer(decodeMessage('t', received(message)).message.payload).equals(payload)).toBe(true);
  });

  it('counts body and attributes the way SQS does', () => {
    const wire = encodeMessage(base);
    let expected = Buffer.byteLength(wire.body);
    for (const [name, v] of Object.entries(wire.attributes))
      expected += name.length + (v.DataType ?? '').length + Buffer.byteLength(v.StringValue ?? '');
    expect(wire.bytes).toBe(expected);
  });

  it('maps a raw client message: MessageId, group as key, String attributes as headers', () => {
    const decoded = decodeMessage('t', {
      MessageId: 'm-9',
      Body: 'not json',
      MessageAttributes: { 'content-type': { DataType: 'String', StringValue: 'text/plain' } },
      Attributes: { MessageGroupId: 'g1', SentTimestamp: '123' },
    });
    expect(decoded.message).toEqual({
      id: 'm-9',
      topic: 't',
      key: 'g1',
      headers: { 'content-type': 'text/plain' },
      payload: 'not json',
      timestamp: 123,
    });
  });

  it('keeps Number and Binary attributes (Binary as base64:) and a foreign attribute named polybus', () => {
    const decoded = decodeMessage('t', {
      MessageId: 'm',
      Body: '{}',
      MessageAttributes: {
        amount: { DataType: 'Number', StringValue: '12.50' },
        count: { DataType: 'Number.int', StringValue: '3' },
        blob: { DataType: 'Binary', BinaryValue: Uint8Array.from([0, 255, 1]) },
        polybus: { DataType: 'String', StringValue: 'v2' },
      },
    });
    expect(decoded.message.headers).toEqual({
      amount: '12.50',
      count: '3',
      blob: 'base64:AP8B',
      polybus: 'v2',
    });
  });

  it('reports a malformed header attribute instead of throwing', () => {
    const decoded = decodeMessage('t', {
      MessageId: 'm',
      Body: '{}',
      MessageAttributes: { polybus: { DataType: 'String', StringValue: '{broken' } },
    });
    expect(decoded.headerProblem).toMatch(/polybus/);
    expect(decoded.message.id).toBe('m');
  });

  it.each([
    ['a header that is not a string', { id: 'x', timestamp: 1, headers: { a: 'b', n: 7 } }],
    ['no id', { timestamp: 1, headers: {} }],
    ['headers that are a list', { id: 'x', timestamp: 1, headers: ['a'] }],
  ])('refuses an envelope with %s, keeping the message', (_, envelope) => {
    const decoded = decodeMessage('t', {
      MessageId: 'm',
      Body: '{}',
      MessageAttributes: { polybus: { DataType: 'String', StringValue: JSON.stringify(envelope) } },
    });
    expect(decoded.headerProblem).toMatch(/polybus/);
    expect(decoded.message.id).toBe('m');
  });

  it('takes the larger of receive count and polybus-attempt', () => {
    expect(attemptOf({ Attributes: { ApproximateReceiveCount: '3' } }, { 'polybus-attempt': '2' })).toBe(3);
    expect(attemptOf({ Attributes: { ApproximateReceiveCount: '1' } }, { 'polybus-attempt': '4' })).toBe(4);
    expect(attemptOf({}, {})).toBe(1);
  });
});

describe('sqsId', () => {
  it('keeps valid ids and hashes the rest deterministically', () => {
    expect(sqsId('order-1:abc')).toBe('order-1:abc');
    expect(sqsId('with space')).toMatch(/^h-[0-9a-f]{64}$/);
    expect(sqsId('x'.repeat(129))).toBe(sqsId('x'.repeat(129)));
    expect(sqsId('ü')).not.toBe(sqsId('ö'));
  });
});
