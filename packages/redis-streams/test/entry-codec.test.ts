import { appendEntry, decodeEntry } from '../src/entry-codec';

const asBuffers = (fields: Array<string | Buffer | number>) =>
  fields.map((f) => Buffer.from(typeof f === 'number' ? String(f) : f));

describe('entry codec', () => {
  it('decodes what it encodes, from Buffer replies and from string replies alike', () => {
    const message = {
      id: 'm-1',
      topic: 's',
      key: 'k',
      headers: { 'polybus-id': 'm-1', 'content-type': 'application/json' },
      payload: Buffer.from('{"a":1}'),
      timestamp: 1_700_000_000_123,
    };
    const fields = appendEntry([], message);
    for (const reply of [asBuffers(fields), fields.map(String)]) {
      const decoded = decodeEntry('s', '1700000000999-0', reply);
      expect(decoded).toEqual(message);
    }
  });

  it('reads a timestamp field the way Number() does, and falls back to the entry id time', () => {
    const timestampOf = (value: string) =>
      decodeEntry('s', '42-0', asBuffers(['timestamp', value, 'body', '1'])).timestamp;
    expect(timestampOf('1700000000123')).toBe(1_700_000_000_123);
    expect(timestampOf('0')).toBe(0);
    expect(timestampOf(' 12')).toBe(12); // not plain digits: Number() decides
    expect(timestampOf('1e3')).toBe(1000);
    expect(timestampOf('soon')).toBe(42); // not a number: the entry id's milliseconds
    expect(timestampOf('12345678901234567890')).toBe(Number('12345678901234567890'));
  });
});
