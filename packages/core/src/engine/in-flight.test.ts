import { InFlight, type InFlightLink } from './in-flight';

const link = (name: string): InFlightLink & { name: string } => ({
  name,
  prevInFlight: undefined,
  nextInFlight: undefined,
});

describe('InFlight', () => {
  it('counts, lists and unlinks deliveries from any position', () => {
    const list = new InFlight<ReturnType<typeof link>>();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(link);
    for (const l of [a!, b!, c!, d!]) list.add(l);
    expect(list.size).toBe(4);
    list.remove(c!); // middle
    list.remove(d!); // head
    list.remove(a!); // tail
    expect([...list].map((l) => l.name)).toEqual(['b']);
    expect(list.size).toBe(1);
    list.remove(b!);
    expect([...list]).toEqual([]);
    expect(list.size).toBe(0);
  });

  it('ignores removing a delivery twice or one it never held', () => {
    const list = new InFlight<ReturnType<typeof link>>();
    const [a, b, stranger] = ['a', 'b', 'x'].map(link);
    list.add(a!);
    list.add(b!);
    list.remove(a!);
    list.remove(a!);
    list.remove(stranger!);
    expect(list.size).toBe(1);
    expect([...list].map((l) => l.name)).toEqual(['b']);
    list.add(a!); // a settled delivery's record is never re-added, but the list would take it
    expect([...list].map((l) => l.name)).toEqual(['a', 'b']);
  });
});
