import { Headers } from '@polybus/core';
import { replayCopy, REPLAYED_FROM_HEADER } from './replay-copy';

const letter = {
  id: 'id-1',
  topic: 'orders.dlq',
  key: 'k-1',
  payload: Buffer.from([1, 2, 3]),
  timestamp: 1,
  headers: {
    [Headers.idempotencyKey]: 'order-1',
    [Headers.attempt]: '5',
    [Headers.dlqReason]: 'max-attempts',
    [Headers.dlqSource]: 'orders',
    'polybus-dlq-kafka-offset': '7',
    'x-trace': 't',
  },
};

describe('replayCopy', () => {
  it('goes to the source with the original id, key, body, idempotency key; no envelope, no attempt', () => {
    const copy = replayCopy(letter, 'orders.dlq')!;
    expect(copy).toMatchObject({ id: 'id-1', topic: 'orders', key: 'k-1', payload: letter.payload });
    expect(copy.headers).toEqual({
      [Headers.idempotencyKey]: 'order-1',
      'x-trace': 't',
      [REPLAYED_FROM_HEADER]: 'orders.dlq',
    });
  });

  it('has nowhere to go without polybus-dlq-source', () => {
    const { [Headers.dlqSource]: _source, ...headers } = letter.headers;
    expect(replayCopy({ ...letter, headers }, 'orders.dlq')).toBeUndefined();
  });
});
