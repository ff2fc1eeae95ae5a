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

  it("trusts an entry's id field only in Polybus's shape; a foreign entry's id is its stream position and its id field a header", () => {
    // Issue 20, item 5: two foreign events with `id 42` were one message (the second a duplicate).
    const foreign = (entryId: string, amount: string) =>
      decodeEntry('s', entryId, asBuffers(['id', '42', 'amount', amount, 'body', '{}']));
    const a = foreign('1-0', '10');
    const b = foreign('2-0', '20');
    expect([a.id, b.id]).toEqual(['redis:s:1-0', 'redis:s:2-0']);
    expect(a.headers).toEqual({ id: '42', amount: '10' });
    // a `headers` field that is not a JSON object is not Polybus's either
    const odd = decodeEntry('s', '3-0', asBuffers(['id', '42', 'headers', 'plain text', 'body', '{}']));
    expect(odd.id).toBe('redis:s:3-0');
    expect(odd.headers).toEqual({ id: '42', headers: 'plain text' });
    // a foreign writer that wants dedup sets polybus-idempotency-key (or polybus-id) as a field
    const keyed = decodeEntry('s', '4-0', asBuffers(['polybus-id', 'evt-9', 'body', '{}']));
    expect(keyed.id).toBe('evt-9');
  });
});
