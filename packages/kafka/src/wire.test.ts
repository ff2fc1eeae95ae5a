import type { KafkaMessage } from 'kafkajs';
import { Headers, type TransportMessage } from '@polybus/core';
import { copyWithHeaders } from '@polybus/core/transport';
import { ForeignHeaders } from './foreign-record';
import { fromKafkaMessage, toKafkaMessage } from './wire';

const message = (headers: Record<string, string>): TransportMessage => ({
  id: 'm-1',
  topic: 't',
  key: 'k',
  headers,
  payload: '{"n":1}',
  timestamp: 1_700_000_000_000,
});

const record = (headers: Record<string, string>): KafkaMessage => ({
  key: Buffer.from('k'),
  value: Buffer.from('{"n":1}'),
  headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
  timestamp: '1700000000000',
  offset: '7',
  attributes: 0,
});

describe('Kafka wire', () => {
  it('writes no content-type for JSON, the default, and keeps every other header and type', () => {
    const json = toKafkaMessage(message({ [Headers.contentType]: 'application/json', 'x-a': 'b' }));
    expect(json.headers).toEqual({ 'x-a': 'b', [Headers.id]: 'm-1' });
    const bytes = toKafkaMessage(message({ [Headers.contentType]: 'application/octet-stream' }));
    expect(bytes.headers).toEqual({ [Headers.contentType]: 'application/octet-stream', [Headers.id]: 'm-1' });
    const charset = toKafkaMessage(message({ [Headers.contentType]: 'application/json; charset=utf-8' }));
    expect(charset.headers![Headers.contentType]).toBe('application/json; charset=utf-8');
  });

  it('does not change the message it encodes', () => {
    const headers = { [Headers.contentType]: 'application/json' };
    toKafkaMessage(message(headers));
    expect(headers).toEqual({ [Headers.contentType]: 'application/json' });
  });

  it('reads a Polybus record without content-type as JSON and leaves a foreign record as sent', () => {
    const ours = fromKafkaMessage('t', 0, record({ [Headers.id]: 'm-1' }));
    expect(ours.headers).toEqual({ [Headers.id]: 'm-1', [Headers.contentType]: 'application/json' });
    const foreign = fromKafkaMessage('t', 0, record({ source: 'legacy' }));
    expect(foreign.headers).toEqual({ source: 'legacy' });
    expect(foreign.id).toBe('kafka:t:0:7');
  });

  it('round-trips what a Polybus publisher wrote', () => {
    const sent = message({ [Headers.contentType]: 'application/octet-stream', 'x-a': 'b' });
    const out = toKafkaMessage(sent);
    const back = fromKafkaMessage(
      't',
      0,
      record(Object.fromEntries(Object.entries(out.headers!).map(([k, v]) => [k, String(v)]))),
    );
    expect(back.headers).toEqual({ ...sent.headers, [Headers.id]: 'm-1' });
  });
});

describe('Kafka wire: foreign records', () => {
  const BINARY = Buffer.from([0xff, 0x00, 0xfe]);
  const foreign = (extra: Pick<Partial<KafkaMessage>, 'key' | 'headers'>): KafkaMessage => ({
    key: null,
    value: Buffer.from('{}'),
    headers: {},
    timestamp: '1700000000000',
    offset: '3',
    attributes: 0,
    ...extra,
  });

  it('gives a key that is not UTF-8 as base64, marked, and writes its bytes back', () => {
    const read = fromKafkaMessage('t', 0, foreign({ key: BINARY }));
    expect(read.key).toBe('base64:/wD+');
    expect(read.headers).toEqual({ [ForeignHeaders.keyEncoding]: 'base64' });
    const written = toKafkaMessage(read);
    expect(written.key).toEqual(BINARY);
    expect(written.headers).toEqual({ [Headers.id]: 'kafka:t:0:3' });
  });

  it('keeps UTF-8 keys and values as text, a real U+FFFD included, with no mark', () => {
    const replacement = Buffer.from('k\ufffd', 'utf8');
    const read = fromKafkaMessage('t', 0, foreign({ key: replacement, headers: { a: replacement } }));
    expect(read.key).toBe('k\ufffd');
    expect(read.headers).toEqual({ a: 'k\ufffd' });
    expect(toKafkaMessage(read).key).toBe('k\ufffd');
  });

  it('gives header values that are not UTF-8 as base64 and writes the bytes back, not a look-alike text', () => {
    const read = fromKafkaMessage(
      't',
      0,
      foreign({ headers: { sig: BINARY, plain: Buffer.from('base64:/wD+'), n: Buffer.from('ok') } }),
    );
    expect(read.headers).toEqual({
      sig: 'base64:/wD+',
      plain: 'base64:/wD+',
      n: 'ok',
      [ForeignHeaders.base64]: '["sig"]',
    });
    const { headers } = toKafkaMessage(read);
    expect(headers).toEqual({ sig: BINARY, plain: 'base64:/wD+', n: 'ok', [Headers.id]: 'kafka:t:0:3' });
  });

  it('keeps the last value of a repeated header for the handler and all of them, in order, for a copy', () => {
    const read = fromKafkaMessage(
      't',
      0,
      foreign({
        headers: { hop: [Buffer.from('a'), Buffer.from('b'), Buffer.from('c')], one: Buffer.from('x') },
      }),
    );
    expect(read.headers.hop).toBe('c');
    expect(JSON.parse(read.headers[ForeignHeaders.values]!)).toEqual({ hop: ['a', 'b', 'c'] });
    expect(read.headers[ForeignHeaders.base64]).toBeUndefined();
    const { headers } = toKafkaMessage(read);
    expect(headers).toEqual({ hop: ['a', 'b', 'c'], one: 'x', [Headers.id]: 'kafka:t:0:3' });
  });

  it('gives every value of a repeated name in base64 when one of them is not UTF-8, and writes each back', () => {
    const read = fromKafkaMessage('t', 0, foreign({ headers: { mixed: [BINARY, Buffer.from('t')] } }));
    expect(read.headers.mixed).toBe('base64:dA==');
    expect(JSON.parse(read.headers[ForeignHeaders.values]!)).toEqual({
      mixed: ['base64:/wD+', 'base64:dA=='],
    });
    expect(read.headers[ForeignHeaders.base64]).toBe('["mixed"]');
    expect(toKafkaMessage(read).headers!.mixed).toEqual([BINARY, Buffer.from('t')]);
  });

  it('reads a null header value as an empty text and writes it back as null', () => {
    const raw = { gone: null, twice: [Buffer.from('v'), null] } as unknown as KafkaMessage['headers'];
    const read = fromKafkaMessage('t', 0, foreign({ headers: raw }));
    expect(read.headers.gone).toBe('');
    expect(read.headers.twice).toBe('');
    expect(JSON.parse(read.headers[ForeignHeaders.values]!)).toEqual({ gone: [null], twice: ['v', null] });
    const { headers } = toKafkaMessage(read);
    expect(headers!.gone).toEqual([null]);
    expect(headers!.twice).toEqual(['v', null]);
  });

  it('keeps the bytes through a dead-letter copy: the envelope added, the marks not written', () => {
    const record = foreign({
      key: BINARY,
      headers: { sig: BINARY, hop: [Buffer.from('1'), Buffer.from('2')] },
    });
    const copy = copyWithHeaders(
      fromKafkaMessage('t', 0, record),
      { [Headers.dlqReason]: 'permanent-error' },
      't.dlq',
    );
    const written = toKafkaMessage(copy);
    expect(written.key).toEqual(BINARY);
    expect(written.headers).toEqual({
      sig: BINARY,
      hop: ['1', '2'],
      [Headers.dlqReason]: 'permanent-error',
      [Headers.id]: 'kafka:t:0:3',
    });
  });

  it('writes a header a handler set anew as its text, whatever the marks say', () => {
    const read = fromKafkaMessage(
      't',
      0,
      foreign({ key: BINARY, headers: { sig: BINARY, hop: [Buffer.from('1'), Buffer.from('2')] } }),
    );
    const changed = { ...read, key: 'new-key', headers: { ...read.headers, sig: 'replaced', hop: '3' } };
    const written = toKafkaMessage(changed);
    expect(written.key).toBe('new-key');
    expect(written.headers).toEqual({ sig: 'replaced', hop: '3', [Headers.id]: 'kafka:t:0:3' });
  });

  it('ignores marks that are not well-formed', () => {
    const message: TransportMessage = {
      id: 'm-1',
      topic: 't',
      key: 'base64:/wD+',
      headers: { [ForeignHeaders.base64]: '{not json', [ForeignHeaders.values]: '["a"]', a: 'base64:/wD+' },
      payload: '{}',
      timestamp: 1,
    };
    const written = toKafkaMessage(message);
    expect(written.key).toBe('base64:/wD+');
    expect(written.headers).toEqual({ a: 'base64:/wD+', [Headers.id]: 'm-1' });
  });
});
