import { Slots } from './slots';

const tick = () => new Promise((r) => setImmediate(r));

describe('Slots', () => {
  it('takes only what is free, a whole reservation or nothing', () => {
    const slots = new Slots(10);
    expect(slots.take(7)).toBe(true);
    expect(slots.take(4)).toBe(false);
    expect(slots.take(3)).toBe(true);
    expect(slots.take()).toBe(false);
    expect([slots.inUse, slots.free]).toEqual([10, 0]);
    slots.takeAnyway(2); // entries a read brought past a racing reservation are still counted
    expect(slots.free).toBe(-2);
    slots.give(2);
    expect(slots.take()).toBe(false);
    slots.give();
    expect(slots.take()).toBe(true);
  });

  it('whenFree waits for a give, reserves nothing, and ends at once on an aborted signal', async () => {
    const slots = new Slots(1);
    slots.take();
    let woke = false;
    void slots.whenFree().then(() => (woke = true));
    await tick();
    expect(woke).toBe(false);
    slots.give();
    await tick();
    expect(woke).toBe(true);
    expect(slots.free).toBe(1); // the waiter did not take the slot

    slots.take();
    const abort = new AbortController();
    let aborted = false;
    void slots.whenFree(abort.signal).then(() => (aborted = true));
    abort.abort();
    await tick();
    expect(aborted).toBe(true);
    await expect(slots.whenFree(abort.signal)).resolves.toBeUndefined();
  });

  it('wakeAll wakes waiters though nothing was given; idle resolves once none is in use', async () => {
    const slots = new Slots(2);
    slots.take(2);
    let woke = 0;
    void slots.whenFree().then(() => woke++);
    void slots.whenFree().then(() => woke++);
    slots.wakeAll();
    await tick();
    expect(woke).toBe(2);
    let idle = false;
    void slots.idle().then(() => (idle = true));
    slots.give();
    await tick();
    expect(idle).toBe(false);
    slots.give();
    await tick();
    expect(idle).toBe(true);
  });
});
