import { BINARY_HEADER } from '../src/binary-fields';
import { appendEntry, decodeEntry } from '../src/wire';

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

  it('writes the default headers as the same JSON any reader parses, and reads back separate objects', () => {
    const message = (headers: Record<string, string>) => ({
      id: 'm-2',
      topic: 's',
      headers: { 'polybus-id': 'm-2', ...headers },
      payload: '{}',
      timestamp: 1,
    });
    const field = (fields: Array<string | Buffer | number>) => fields[fields.indexOf('headers') + 1];
    const plain = appendEntry([], message({ 'content-type': 'application/json' }));
    expect(JSON.parse(field(plain) as string)).toEqual({ 'content-type': 'application/json' });
    // One more header, another content type, or an id that differs: not the defaults.
    const others: Array<Record<string, string>> = [
      { 'content-type': 'application/json', tenant: 'a' },
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/json', 'polybus-id': 'other' },
    ];
    for (const headers of others) {
      const fields = appendEntry([], message(headers));
      const written = JSON.parse(field(fields) as string) as Record<string, string>;
      expect(decodeEntry('s', '1-0', asBuffers(fields)).headers).toEqual({
        ...headers,
        'polybus-id': headers['polybus-id'] ?? 'm-2',
      });
      expect(written['content-type']).toBe(headers['content-type']);
    }
    const first = decodeEntry('s', '1-0', asBuffers(plain));
    const second = decodeEntry('s', '2-0', asBuffers(plain));
    expect(first.headers).toEqual({ 'content-type': 'application/json', 'polybus-id': 'm-2' });
    expect(first.headers).not.toBe(second.headers); // a handler may change its own
  });

  it('reads a timestamp field the way Number() does, and falls back to the entry id time', () => {
    const timestampOf = (value: string) =>
      decodeEntry('s', '42-0', asBuffers(['timestamp', value, 'body', '1'])).timestamp;
    expect(timestampOf('1700000000123')).toBe(1_700_000_000_123);
    expect(timestampOf('0')).toBe(0);
    expect(timestampOf(' 12')).toBe(12); // not plain digits: Number() decides
    expect(timestampOf('1e3')).toBe(1000);
    expect(timestampOf('soon')).toBe(42); // not a number: the entry id's milliseconds
    expect(timestampOf('Infinity')).toBe(42);
    expect(timestampOf('')).toBe(42); // Number('') is 0: blank is no timestamp
    expect(timestampOf(' ')).toBe(42);
    expect(timestampOf('12345678901234567890')).toBe(Number('12345678901234567890'));
  });

  it('keeps a timestamp field that is not a number as the header timestamp, as it came', () => {
    const headersOf = (value: string) =>
      decodeEntry('s', '42-0', asBuffers(['timestamp', value, 'body', '1'])).headers;
    expect(headersOf('soon')).toEqual({ timestamp: 'soon' });
    expect(headersOf('')).toEqual({ timestamp: '' });
    expect(headersOf('1700000000123')).toEqual({});
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

  // What a foreign producer (redis-cli, another client) writes: its own field names, bytes anywhere.
  const sig = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]);
  const blob = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xfe]);
  const foreignFields = (): Array<string | Buffer> => [
    'order',
    'o-7',
    'sig',
    sig,
    'timestamp',
    'yesterday',
    'note',
    'base64:not-bytes',
    'content-type',
    'application/octet-stream',
    'body',
    blob,
  ];

  it('a foreign value that is not UTF-8 is the header base64:<bytes>, listed in polybus-redis-binary; a timestamp that is not a number is the header timestamp', () => {
    const decoded = decodeEntry('s', '1700000000555-3', asBuffers(foreignFields()));
    expect(decoded.headers).toEqual({
      order: 'o-7',
      sig: `base64:${sig.toString('base64')}`,
      timestamp: 'yesterday',
      // text that happens to start with base64: stays text, and is not listed
      note: 'base64:not-bytes',
      'content-type': 'application/octet-stream',
      [BINARY_HEADER]: '["sig"]',
    });
    expect(Buffer.isBuffer(decoded.payload) && decoded.payload.equals(blob)).toBe(true);
    expect(decoded.timestamp).toBe(1_700_000_000_555);
    expect(decoded.id).toBe('redis:s:1700000000555-3');
  });

  it('a copy writes binary headers back as fields holding the original bytes and reads back the same message', () => {
    const decoded = decodeEntry('s', '1700000000555-3', asBuffers(foreignFields()));
    const written = appendEntry([], { ...decoded, topic: 's.dlq' });
    const at = written.indexOf('sig');
    expect(written[at + 1]).toEqual(sig);
    expect(written[written.length - 2]).toBe('body');
    expect(written[written.length - 1]).toEqual(blob);
    const json = JSON.parse(String(written[written.indexOf('headers') + 1])) as Record<string, string>;
    // neither the bytes' text nor the marker is left in `headers`: the fields say it
    expect(json.sig).toBeUndefined();
    expect(json[BINARY_HEADER]).toBeUndefined();
    expect(json.note).toBe('base64:not-bytes');
    expect(json.timestamp).toBe('yesterday');
    expect(decodeEntry('s.dlq', '1700000000999-0', asBuffers(written))).toEqual({
      ...decoded,
      topic: 's.dlq',
      headers: { ...decoded.headers, 'polybus-id': decoded.id },
    });
  });

  it('a header that only looks like base64: is written as the text it is, unless polybus-redis-binary lists it', () => {
    const headers = { a: 'base64:3q2+7w==', 'polybus-id': 'm-2' };
    const plain = appendEntry([], { id: 'm-2', topic: 's', headers, payload: '{}', timestamp: 1 });
    expect(plain).toEqual([
      'id',
      'm-2',
      'timestamp',
      '1',
      'headers',
      '{"a":"base64:3q2+7w=="}',
      'body',
      '{}',
    ]);
    // a marker no Polybus writer made (not a JSON array of names) is an ordinary header
    const odd = { ...headers, [BINARY_HEADER]: 'a' };
    const kept = appendEntry([], { id: 'm-2', topic: 's', headers: odd, payload: '{}', timestamp: 1 });
    expect(JSON.parse(String(kept[5]))).toEqual({ a: 'base64:3q2+7w==', [BINARY_HEADER]: 'a' });
    // listed, but not exactly base64: left as text, still listed
    const loose = { a: 'base64:not base64', [BINARY_HEADER]: '["a","gone"]' };
    const looseEntry = appendEntry([], {
      id: 'm-3',
      topic: 's',
      headers: loose,
      payload: '{}',
      timestamp: 1,
    });
    expect(JSON.parse(String(looseEntry[5]))).toEqual({ a: 'base64:not base64', [BINARY_HEADER]: '["a"]' });
  });

  it("bytes in a foreign entry's id, headers and key fields are kept as base64: headers too, inside `headers` on a copy", () => {
    const bad = Buffer.from([0xc3, 0x28]);
    const decoded = decodeEntry('s', '5-0', asBuffers(['id', bad, 'headers', bad, 'key', bad, 'body', '{}']));
    const b64 = `base64:${bad.toString('base64')}`;
    expect(decoded.id).toBe('redis:s:5-0');
    expect(decoded.key).toBeUndefined();
    expect(decoded.headers).toEqual({
      id: b64,
      headers: b64,
      key: b64,
      [BINARY_HEADER]: '["key","headers","id"]',
    });
    // Polybus writes id, key and headers itself: those names stay in `headers`, and so does their marker.
    const written = appendEntry([], decoded);
    expect(JSON.parse(String(written[written.indexOf('headers') + 1]))).toEqual(decoded.headers);
    expect(decodeEntry('s', '6-0', asBuffers(written))).toEqual({
      ...decoded,
      headers: { ...decoded.headers, 'polybus-id': decoded.id },
    });
  });

  it('a value holding a real U+FFFD is text; a repeated field keeps its last value, bytes or text', () => {
    const decoded = decodeEntry(
      's',
      '7-0',
      asBuffers(['t', 'a\uFFFDb', 'r', Buffer.from([0xff]), 'r', 'text now', 'body', '{}']),
    );
    expect(decoded.headers).toEqual({ t: 'a\uFFFDb', r: 'text now' });
  });

  it("a Polybus entry's headers and a foreign producer's binary field added to it are merged, one marker for both", () => {
    const own = { 'polybus-id': 'm-9', id: 'base64:wyg=', [BINARY_HEADER]: '["id"]' };
    const fields = appendEntry([], { id: 'm-9', topic: 's', headers: own, payload: '{}', timestamp: 3 });
    fields.splice(fields.length - 2, 0, 'extra', Buffer.from([0xff]));
    const decoded = decodeEntry('s', '8-0', asBuffers(fields));
    expect(decoded.headers).toEqual({
      'polybus-id': 'm-9',
      id: 'base64:wyg=',
      extra: 'base64:/w==',
      [BINARY_HEADER]: '["id","extra"]',
    });
  });
});
