import path from 'node:path';
import { restoreTypes, typedText, typedValue, TYPES_HEADER } from './header-values';

// amqplib's own field-table codec (not exported by the package), so that these cases see the
// values amqplib really decodes and check that what goes back is what amqplib can encode.
const codec = require(path.join(path.dirname(require.resolve('amqplib')), 'lib/codec.js')) as {
  encodeTable(buffer: Buffer, value: object, offset: number): number;
  decodeFields(slice: Buffer): Record<string, unknown>;
};

/** `table` as a consumer gets it: encoded by amqplib, then decoded by amqplib. */
function wire(table: Record<string, unknown>): Record<string, unknown> {
  const buffer = Buffer.alloc(65_536);
  const size = codec.encodeTable(buffer, table, 0);
  return codec.decodeFields(buffer.subarray(4, size));
}

const published = {
  byte: 42,
  int: -70_000,
  long: { '!': 'long', value: 2 ** 60 },
  uint: { '!': 'uint32', value: 4_000_000_000 },
  double: 2.5,
  float: { '!': 'float', value: 0.25 },
  nan: { '!': 'double', value: NaN },
  yes: true,
  no: false,
  nil: null,
  at: { '!': 'timestamp', value: 1_700_000_000 },
  dec: { '!': 'decimal', value: { places: 3, digits: 5 } },
  bin: Buffer.from([0, 1, 2, 255]),
  table: { a: 1, s: 'x', deep: { ok: true, at: { '!': 'timestamp', value: 1_700_000_001 } } },
  list: [1, 'two', null, [Buffer.from('hi')], { inf: { '!': 'double', value: -Infinity } }],
  flat: { a: [1, 2], b: { c: 'd' } },
};

describe('typedText: what a handler sees for a header that is not a string', () => {
  const received = wire(published);
  const seen = Object.fromEntries(Object.entries(received).map(([k, v]) => [k, typedText(v)]));

  it('numbers and booleans as their text, void as empty, whatever the width on the wire', () => {
    expect(seen.byte).toEqual({ text: '42', type: 'number' });
    expect(seen.int).toEqual({ text: '-70000', type: 'number' });
    expect(seen.long).toEqual({ text: '1152921504606847000', type: 'number' }); // JS's shortest text of 2^60
    expect(seen.uint).toEqual({ text: '4000000000', type: 'number' });
    expect(seen.double).toEqual({ text: '2.5', type: 'number' });
    expect(seen.float).toEqual({ text: '0.25', type: 'number' });
    expect(seen.nan).toEqual({ text: 'NaN', type: 'number' });
    expect(seen.yes).toEqual({ text: 'true', type: 'boolean' });
    expect(seen.no).toEqual({ text: 'false', type: 'boolean' });
    expect(seen.nil).toEqual({ text: '', type: 'void' });
  });

  it('timestamps as ISO 8601 UTC, decimals as decimal text, bytes as base64:', () => {
    expect(seen.at).toEqual({ text: '2023-11-14T22:13:20Z', type: 'timestamp' });
    expect(seen.dec).toEqual({ text: '0.005', type: 'decimal' });
    expect(seen.bin).toEqual({ text: 'base64:AAEC/w==', type: 'bytes' });
  });

  it('tables and arrays as JSON, nested values written the same way and their types listed', () => {
    expect(seen.table).toEqual({
      text: '{"a":1,"s":"x","deep":{"ok":true,"at":"2023-11-14T22:13:21Z"}}',
      type: { table: { deep: { table: { at: 'timestamp' } } } },
    });
    expect(seen.list).toEqual({
      text: '[1,"two",null,["base64:aGk="],{"inf":"-Infinity"}]',
      type: { array: { 3: { array: { 0: 'bytes' } }, 4: { table: { inf: 'number' } } } },
    });
    // Nothing JSON cannot tell by itself: no list.
    expect(seen.flat).toEqual({ text: '{"a":[1,2],"b":{"c":"d"}}', type: 'table' });
  });

  it('typedValue gives amqplib back a value that decodes to what was received', () => {
    const back = Object.fromEntries(
      Object.entries(seen).map(([k, t]) => [k, typedValue(t!.text, JSON.parse(JSON.stringify(t!.type)))]),
    );
    expect(wire(back)).toEqual(received);
  });
});

describe('typedValue', () => {
  it('a text that no longer fits its type gives undefined (the header stays a string)', () => {
    expect(typedValue('4x', 'number')).toBeUndefined();
    expect(typedValue('042', 'number')).toBeUndefined();
    expect(typedValue('yes', 'boolean')).toBeUndefined();
    expect(typedValue('x', 'void')).toBeUndefined();
    expect(typedValue('yesterday', 'timestamp')).toBeUndefined();
    expect(typedValue('2023-11-14T22:13:20.5Z', 'timestamp')).toBeUndefined();
    expect(typedValue('1.2.3', 'decimal')).toBeUndefined();
    expect(typedValue('AAEC', 'bytes')).toBeUndefined();
    expect(typedValue('base64:not base64', 'bytes')).toBeUndefined();
    expect(typedValue('[1]', 'table')).toBeUndefined();
    expect(typedValue('{"a":1}', 'array')).toBeUndefined();
    expect(typedValue('{', 'table')).toBeUndefined();
    expect(typedValue('1', 'no such type')).toBeUndefined();
  });

  it('takes a changed value of the right type', () => {
    expect(typedValue('43', 'number')).toBe(43);
    expect(typedValue('2024-01-01T00:00:00Z', 'timestamp')).toEqual({
      '!': 'timestamp',
      value: 1_704_067_200,
    });
    expect(typedValue('1704067200', 'timestamp')).toEqual({ '!': 'timestamp', value: 1_704_067_200 });
    expect(typedValue('12.50', 'decimal')).toEqual({ '!': 'decimal', value: { places: 2, digits: 1250 } });
  });

  it('numbers amqplib would guess wrong and throw on are sent as doubles', () => {
    const odd = {
      big: typedValue(String(2 ** 50 + 0.5), 'number'),
      low: typedValue(String(-1e20), 'number'),
    };
    expect(wire(odd)).toEqual({ big: 2 ** 50 + 0.5, low: -1e20 });
    expect(wire({ t: typedValue('{"n":1125899906842624.5}', 'table') })).toEqual({ t: { n: 2 ** 50 + 0.5 } });
  });
});

describe('restoreTypes', () => {
  it('types the headers the marker names, leaves the others and tolerates a bad marker', () => {
    const headers: Record<string, unknown> = { n: '1', s: '1', changed: 'one' };
    restoreTypes(headers, JSON.stringify({ n: 'number', changed: 'number', absent: 'bytes' }));
    expect(headers).toEqual({ n: 1, s: '1', changed: 'one' });
    for (const bad of ['{', '"number"', 'null', '{"n":{"table":5}}']) {
      const kept: Record<string, unknown> = { n: '1' };
      restoreTypes(kept, bad);
      expect(kept).toEqual({ n: '1' });
    }
  });

  it('is named polybus-amqp-types', () => {
    expect(TYPES_HEADER).toBe('polybus-amqp-types');
  });
});
