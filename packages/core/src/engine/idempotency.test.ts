import { IdempotencyStoreUnavailableError } from '../errors/idempotency-store-unavailable-error';
import { MessageLockedError } from '../errors/message-locked-error';
import { Headers } from '../headers';
import type { IdempotencyStore } from '../idempotency-store';
import { memoryIdempotencyStore } from '../memory/memory-idempotency-store';
import { idempotency, idempotencyKeyPrefix } from './idempotency';
import { fakeDelivery, processing, runtime } from './test-support';

const downStore = (onUnavailable?: 'fail-open' | 'fail-closed'): IdempotencyStore => ({
  onUnavailable,
  acquire: () => Promise.reject(new Error('ECONNREFUSED')),
  complete: () => Promise.reject(new Error('ECONNREFUSED')),
  release: () => Promise.reject(new Error('ECONNREFUSED')),
});

describe('idempotency', () => {
  it('runs a key once; a second delivery of it is a counted duplicate', async () => {
    const store = memoryIdempotencyStore();
    const rt = runtime({ idempotency: store });
    let runs = 0;
    const step = idempotency(rt, store)(async () => void runs++);
    const d = fakeDelivery();
    await step(processing(d));
    await step(processing({ ...fakeDelivery(), message: d.message }));
    expect(runs).toBe(1);
    expect(rt.counters.duplicates).toBe(1);
  });

  it('dedups on the idempotency key when there is one, per group', async () => {
    const store = memoryIdempotencyStore();
    let runs = 0;
    const a = idempotency(runtime({ idempotency: store }), store)(async () => void runs++);
    const b = idempotency(runtime({ idempotency: store, group: 'other' }), store)(async () => void runs++);
    await a(processing(fakeDelivery({}, 1, { [Headers.idempotencyKey]: 'order-1' })));
    await a(processing(fakeDelivery({}, 1, { [Headers.idempotencyKey]: 'order-1' })));
    await b(processing(fakeDelivery({}, 1, { [Headers.idempotencyKey]: 'order-1' })));
    expect(runs).toBe(2);
  });

  it('releases the key when the handler fails, so a retry can run it', async () => {
    const store = memoryIdempotencyStore();
    const step = idempotency(runtime({ idempotency: store }), store);
    const d = fakeDelivery();
    await expect(step(async () => Promise.reject(new Error('x')))(processing(d))).rejects.toThrow('x');
    let ran = false;
    await step(async () => void (ran = true))(processing(d));
    expect(ran).toBe(true);
  });

  it('refuses a key another processor holds, until its lock expires', async () => {
    const store = memoryIdempotencyStore();
    await store.acquire('g:t:held', 'crashed-worker', 50);
    const step = idempotency(runtime({ idempotency: store }), store)(async () => undefined);
    const d = fakeDelivery({}, 1, { [Headers.idempotencyKey]: 'held' });
    const error = await step(processing(d)).catch((e: unknown) => e);
    expect(MessageLockedError.is(error)).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    await expect(step(processing(d))).resolves.toBeUndefined();
  });

  it('fail-closed (default): store down → IdempotencyStoreUnavailableError, handler not run', async () => {
    const store = downStore();
    let ran = false;
    const error = await idempotency(
      runtime({ idempotency: store }),
      store,
    )(async () => void (ran = true))(processing()).catch((e: unknown) => e);
    expect(IdempotencyStoreUnavailableError.is(error)).toBe(true);
    expect(ran).toBe(false);
  });

  it('fail-open: store down → handler runs unchecked, counted', async () => {
    const store = downStore('fail-open');
    const rt = runtime({ idempotency: store });
    let ran = false;
    await idempotency(rt, store)(async () => void (ran = true))(processing());
    expect(ran).toBe(true);
    expect(rt.counters.failOpen).toBe(1);
  });

  it('keys on group and topic: one group on two topics does not take one for a duplicate of the other', async () => {
    const store = memoryIdempotencyStore();
    let runs = 0;
    const headers = { [Headers.idempotencyKey]: 'order-1' };
    const onA = idempotency(runtime({ idempotency: store }), store)(async () => void runs++);
    const rtB = runtime({ idempotency: store });
    const onB = idempotency(
      { ...rtB, binding: { ...rtB.binding, topic: 'other-topic' } },
      store,
    )(async () => void runs++);
    await onA(processing(fakeDelivery({}, 1, headers)));
    await onB(processing(fakeDelivery({}, 1, headers)));
    expect(runs).toBe(2);
    expect(idempotencyKeyPrefix('a:b', 't')).not.toBe(idempotencyKeyPrefix('a', 'b:t'));
  });

  describe('with a transactional store (process)', () => {
    const inbox = () => {
      const done = new Set<string>();
      const store: IdempotencyStore = {
        acquire: async () => 'acquired',
        complete: async () => undefined,
        release: async () => undefined,
        async process(key, work) {
          if (done.has(key)) return 'duplicate';
          await work({ transaction: `tx:${key}` });
          done.add(key);
          return 'processed';
        },
      };
      return store;
    };

    it('runs the handler inside the store transaction and skips duplicates', async () => {
      const store = inbox();
      const rt = runtime({ idempotency: store });
      const seen: unknown[] = [];
      const step = idempotency(rt, store)(async (p) => void seen.push(p.scope?.transaction));
      const d = fakeDelivery();
      await step(processing(d));
      await step(processing(d));
      expect(seen).toEqual([`tx:g:t:${d.message.id}`]);
      expect(rt.counters.duplicates).toBe(1);
    });

    it('rethrows the handler’s own error, not a store error', async () => {
      const store = inbox();
      const error = await idempotency(
        runtime({ idempotency: store }),
        store,
      )(async () => {
        throw new Error('handler broke');
      })(processing()).catch((e: unknown) => e);
      expect((error as Error).message).toBe('handler broke');
      expect(IdempotencyStoreUnavailableError.is(error)).toBe(false);
    });
  });
});
