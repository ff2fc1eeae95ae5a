import { Batcher } from './batcher';

describe('Batcher', () => {
  it('cuts full batches at once and partial ones after the linger', async () => {
    const batches: number[][] = [];
    const b = new Batcher<number>({
      maxEntries: 3,
      lingerMs: 10,
      sequential: false,
      run: async (items) => (batches.push([...items]), items.map(() => undefined)),
    });
    await Promise.all([1, 2, 3, 4, 5].map((n) => b.add(n)));
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('a partial batch that starts after a full one is cut still waits its whole linger', async () => {
    const sentAt = new Map<number, number>();
    const b = new Batcher<number>({
      maxEntries: 2,
      lingerMs: 50,
      sequential: false,
      run: async (items) => (
        items.forEach((n) => sentAt.set(n, performance.now())),
        items.map(() => undefined)
      ),
    });
    const full = [b.add(1), b.add(2)]; // cut at once; the linger timer keeps running
    await new Promise((r) => setTimeout(r, 20));
    const addedAt = performance.now();
    await Promise.all([...full, b.add(3)]);
    expect(sentAt.get(3)! - addedAt).toBeGreaterThanOrEqual(49);
  });

  it('respects the byte limit', async () => {
    const batches: number[][] = [];
    const b = new Batcher<number>({
      maxEntries: 10,
      maxBytes: 10,
      sizeOf: (n) => n,
      lingerMs: 1,
      sequential: false,
      run: async (items) => (batches.push([...items]), items.map(() => undefined)),
    });
    await Promise.all([6, 4, 3, 9].map((n) => b.add(n)));
    expect(batches).toEqual([[6, 4], [3], [9]]);
  });

  it('settles each item with its own outcome', async () => {
    const b = new Batcher<string>({
      maxEntries: 10,
      lingerMs: 1,
      sequential: false,
      run: async (items) => items.map((s) => (s === 'bad' ? new Error('entry failed') : undefined)),
    });
    const results = await Promise.allSettled(['ok', 'bad', 'ok2'].map((s) => b.add(s)));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('fails every item when the call fails, and flush waits for batches in flight', async () => {
    let calls = 0;
    const b = new Batcher<number>({
      maxEntries: 2,
      lingerMs: 1000,
      sequential: true,
      run: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 20));
        throw new Error('network');
      },
    });
    const added = [1, 2, 3].map((n) => b.add(n).catch((e: Error) => e.message));
    await b.flush();
    expect(calls).toBe(2);
    expect(await Promise.all(added)).toEqual(['network', 'network', 'network']);
  });

  it('keeps one batch in flight when sequential', async () => {
    let inFlight = 0;
    let most = 0;
    const b = new Batcher<number>({
      maxEntries: 1,
      lingerMs: 0,
      sequential: true,
      run: async (items) => {
        most = Math.max(most, ++inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return items.map(() => undefined);
      },
    });
    await Promise.all([1, 2, 3, 4].map((n) => b.add(n)));
    expect(most).toBe(1);
  });

  it('send: batches like add, makes no promise, and reports only failed items', async () => {
    const batches: number[][] = [];
    const b = new Batcher<number>({
      maxEntries: 2,
      lingerMs: 1,
      sequential: false,
      run: async (items) => (
        batches.push([...items]),
        items.map((n) => (n === 2 ? new Error('no such receipt') : undefined))
      ),
    });
    const failed: Array<[number, string]> = [];
    for (const n of [1, 2, 3]) expect(b.send(n, (error) => failed.push([n, error.message]))).toBeUndefined();
    await b.flush();
    expect(batches).toEqual([[1, 2], [3]]);
    expect(failed).toEqual([[2, 'no such receipt']]);
  });
});
