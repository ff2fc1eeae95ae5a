import { bytesCodec, jsonCodec } from './codec';
import { DecodeError } from './errors/decode-error';

const json = { 'content-type': 'application/json' };

describe('jsonCodec', () => {
  it('encodes a body as JSON text, not bytes: text-native brokers send it as it is', () => {
    expect(jsonCodec.encode({ a: 'é' })).toEqual({ payload: '{"a":"é"}', contentType: 'application/json' });
  });

  it('decodes text and bytes alike', () => {
    expect(jsonCodec.decode('{"a":"é"}', json)).toEqual({ a: 'é' });
    expect(jsonCodec.decode(Buffer.from('{"a":"é"}'), json)).toEqual({ a: 'é' });
    expect(jsonCodec.decode('[1]', {})).toEqual([1]); // no content type: a raw writer's JSON
  });

  it('passes bytes through as octet-stream and hands them back as a Buffer, even when delivered as text', () => {
    const bytes = Buffer.from([0, 1, 255]);
    expect(jsonCodec.encode(bytes)).toEqual({ payload: bytes, contentType: 'application/octet-stream' });
    const decoded = jsonCodec.decode('ab', { 'content-type': 'application/octet-stream' });
    expect(Buffer.isBuffer(decoded) && decoded.equals(Buffer.from('ab'))).toBe(true);
  });

  it('throws DecodeError with the size in bytes, for text as for bytes', () => {
    expect(() => jsonCodec.decode('é{', json)).toThrow(/not valid JSON \(3 bytes\)/);
    expect(() => jsonCodec.decode(Buffer.from('é{'), json)).toThrow(DecodeError);
    expect(() => jsonCodec.decode('{}', { 'content-type': 'text/plain' })).toThrow(
      /unsupported content-type/,
    );
  });

  it('refuses JSON bytes that are not UTF-8 instead of handing over U+FFFD in their place', () => {
    const bytes = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect(() => jsonCodec.decode(bytes, json)).toThrow(/not valid UTF-8 \(13 bytes\)/);
    expect(() => jsonCodec.decode(bytes, {})).toThrow(DecodeError);
    // An octet-stream body is not text: its bytes pass whatever they are.
    expect(jsonCodec.decode(bytes, { 'content-type': 'application/octet-stream' })).toBe(bytes);
  });
});

describe('bytesCodec', () => {
  it('hands the handler a Buffer whatever the broker delivered', () => {
    expect(bytesCodec.decode('{"a":1}', json)).toEqual(Buffer.from('{"a":1}'));
    const bytes = Buffer.from([7]);
    expect(bytesCodec.decode(bytes, json)).toBe(bytes);
  });
});
