import type { HandlerContext } from '../handler';
import type { Message } from '../message';
import { createSpy } from './handler-spy';

const msg = (id: string): Message<unknown> => ({ id, topic: 't', headers: {}, body: {}, timestamp: 0 });
const ctx = { attempt: 1 } as HandlerContext;

describe('createSpy', () => {
  it('records successes and failures with their attempt', async () => {
    const spy = createSpy(async (m) => {
      if (m.id === 'bad') throw new Error('no');
    });
    await spy.handler(msg('ok'), ctx);
    await expect(spy.handler(msg('bad'), ctx)).rejects.toThrow('no');
    expect(spy.calls.map((c) => [c.message.id, c.outcome, c.attempt])).toEqual([
      ['ok', 'succeeded', 1],
      ['bad', 'failed', 1],
    ]);
    expect(spy.processed.map((m) => m.id)).toEqual(['ok']);
  });

  it('waitForAll is not fooled by a duplicate standing in for a missing id', async () => {
    const spy = createSpy();
    await spy.handler(msg('a'), ctx);
    await spy.handler(msg('a'), ctx); // redelivered
    await expect(spy.waitForCount(2, { timeoutMs: 50 })).resolves.toBeUndefined();
    await expect(spy.waitForAll(['a', 'b'], { timeoutMs: 50 })).rejects.toThrow(
      '1 of 2 ids not processed: b',
    );
    await spy.handler(msg('b'), ctx);
    await expect(spy.waitForAll(['a', 'b'], { timeoutMs: 50 })).resolves.toBeUndefined();
  });
});
