import { carriedAttempt } from './attempt';
import { withoutCredentials } from './address';
import { copyWithHeaders } from './message-copy';

describe('carriedAttempt', () => {
  it('reads a positive integer from a string or a number, nothing else', () => {
    expect(carriedAttempt('3')).toBe(3);
    expect(carriedAttempt(2)).toBe(2);
    for (const value of [undefined, '', '0', '-1', '1.5', 'two', null, {}])
      expect(carriedAttempt(value)).toBeUndefined();
  });
});

describe('copyWithHeaders', () => {
  it('merges headers over the original ones, keeps the rest, and leaves the original alone', () => {
    const original = {
      id: 'm',
      topic: 't',
      key: 'k',
      headers: { a: '1', b: '2' },
      payload: Buffer.from('x'),
      timestamp: 5,
    };
    const copy = copyWithHeaders(original, { b: 'B', c: '3' }, 't.dlq');
    expect(copy).toEqual({ ...original, topic: 't.dlq', headers: { a: '1', b: 'B', c: '3' } });
    expect(original.headers).toEqual({ a: '1', b: '2' });
    expect(copyWithHeaders(original, {}).topic).toBe('t');
  });
});

describe('withoutCredentials', () => {
  it('keeps scheme, host, port and path, and drops user, password and query', () => {
    expect(withoutCredentials('amqp://guest:secret@mq.local:5672/orders?heartbeat=5')).toBe(
      'amqp://mq.local:5672/orders',
    );
    expect(withoutCredentials('redis://:pw@127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(withoutCredentials('not a url')).toBe('not a url');
  });
});
