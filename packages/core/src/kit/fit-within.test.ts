import { Headers } from '../headers';
import type { TransportMessage } from '../message';
import { fitWithin, type WireSize } from './fit-within';

const message = (payload: string | Buffer, headers: Record<string, string> = {}): TransportMessage => ({
  id: 'm-1',
  topic: 't.dlq',
  headers: { [Headers.dlqReason]: 'decode-error', ...headers },
  payload,
  timestamp: 1,
});
/** Payload bytes plus header names and values, as the Kafka adapter counts a record. */
const plain: WireSize = (m) =>
  Buffer.byteLength(m.payload) +
  Object.entries(m.headers).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
/** Binary payloads travel base64 (4/3), as on SQS. */
const base64: WireSize = (m) =>
  Math.ceil((Buffer.byteLength(m.payload) * 4) / 3) + plain({ ...m, payload: '' });

describe('fitWithin', () => {
  it('returns the copy itself when it fits', () => {
    const copy = message('{"a":1}');
    expect(fitWithin(copy, 1_000, plain)).toBe(copy);
  });

  it('keeps every header, says how large the payload was, and keeps the largest prefix that fits', () => {
    const copy = message('x'.repeat(5_000), { 'x-trace': 'abc' });
    const fitted = fitWithin(copy, 1_000, plain);
    expect(plain(fitted)).toBeLessThanOrEqual(1_000);
    expect(plain(fitted)).toBeGreaterThan(990);
    expect(fitted.headers).toEqual({ ...copy.headers, [Headers.dlqTruncated]: '5000' });
    expect(Buffer.from(fitted.payload).toString()).toBe('x'.repeat(Buffer.byteLength(fitted.payload)));
    expect({ ...fitted, payload: '', headers: {} }).toEqual({ ...copy, payload: '', headers: {} });
  });

  it('cuts text at a character boundary, so the prefix is still valid UTF-8', () => {
    const copy = message('€'.repeat(1_000)); // 3 bytes each
    for (const limit of [200, 201, 202, 203]) {
      const fitted = Buffer.from(fitWithin(copy, limit, plain).payload);
      expect(fitted.length % 3).toBe(0);
      expect(fitted.toString()).toBe('€'.repeat(fitted.length / 3));
    }
  });

  it('fits a size measure that grows unevenly (base64), and keeps binary prefixes byte for byte', () => {
    const bytes = Buffer.from(Array.from({ length: 3_000 }, (_, i) => (i * 7) % 256));
    const fitted = fitWithin(message(bytes), 1_200, base64);
    expect(base64(fitted)).toBeLessThanOrEqual(1_200);
    expect(Buffer.from(fitted.payload).equals(bytes.subarray(0, Buffer.byteLength(fitted.payload)))).toBe(
      true,
    );
  });

  it("drops foreign headers only when they alone are over the limit, and keeps Polybus's", () => {
    const copy = message('body', { 'x-huge': 'h'.repeat(2_000) });
    const fitted = fitWithin(copy, 500, plain);
    expect(fitted.headers).toEqual({ [Headers.dlqReason]: 'decode-error', [Headers.dlqTruncated]: '4' });
    expect(Buffer.from(fitted.payload).toString()).toBe('body');
  });
});
