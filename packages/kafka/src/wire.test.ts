import type { KafkaMessage } from 'kafkajs';
import { Headers, type TransportMessage } from '@polybus/core';
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
