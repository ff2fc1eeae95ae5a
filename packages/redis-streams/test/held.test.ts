import { HeldEntries, type HeldLink } from '../src/held';

const link = (entryId: string): HeldLink => ({ entryId, prevHeld: undefined, nextHeld: undefined });

describe('HeldEntries', () => {
  it('lists running and waiting entries, and forgets each one when it is removed or released', () => {
    const held = new HeldEntries();
    const [a, b, c] = [link('1-0'), link('2-0'), link('3-0')];
    held.add(a);
    held.add(b);
    held.add(c);
    const timer = setTimeout(() => undefined, 60_000);
    held.wait('9-0', timer);
    expect(held.size).toBe(4);
    expect(held.ids().sort()).toEqual(['1-0', '2-0', '3-0', '9-0']);

    held.remove(b); // middle
    expect(held.ids().sort()).toEqual(['1-0', '3-0', '9-0']);
    held.remove(c); // head
    held.remove(c); // twice: no effect
    held.remove(b);
    expect(held.ids().sort()).toEqual(['1-0', '9-0']);
    expect(held.size).toBe(2);

    held.release('9-0');
    held.remove(a); // last
    expect(held.ids()).toEqual([]);
    expect(held.size).toBe(0);
    held.add(b); // a removed link can be added again
    expect(held.ids()).toEqual(['2-0']);
    clearTimeout(timer);
  });

  it('clearWaiting cancels the nack-delay timers and keeps the running entries', async () => {
    const held = new HeldEntries();
    let fired = false;
    held.wait(
      '1-0',
      setTimeout(() => (fired = true), 20),
    );
    held.add(link('2-0'));
    held.clearWaiting();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(fired).toBe(false);
    expect(held.ids()).toEqual(['2-0']);
  });

  it('holds an entry waiting for a slot (no timer) until it is released; clearWaiting drops it too', () => {
    const held = new HeldEntries();
    held.wait('1-0');
    held.wait('2-0');
    expect(held.ids().sort()).toEqual(['1-0', '2-0']);
    held.release('1-0');
    expect(held.ids()).toEqual(['2-0']);
    held.clearWaiting();
    expect(held.size).toBe(0);
  });
});
