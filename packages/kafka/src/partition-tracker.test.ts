import { PartitionTracker } from './partition-tracker';

describe('PartitionTracker', () => {
  it('commits up to the lowest unfinished offset only', () => {
    const t = new PartitionTracker();
    [5, 6, 7, 8].forEach((o) => t.take(o));
    t.finish(6);
    t.finish(8);
    expect(t.commitPoint()).toBe(5);
    t.finish(5);
    expect(t.commitPoint()).toBe(7);
    t.finish(7);
    t.passed(10); // transaction markers after the last record
    expect(t.commitPoint()).toBe(11);
    expect(t.isNew(9)).toBe(false);
  });

  it('finds the run of ready offsets a transaction may commit', () => {
    const t = new PartitionTracker();
    [0, 1, 2, 3].forEach((o) => t.take(o));
    const ready = new Map([
      [0, 1],
      [1, 1],
      [3, 1],
    ]);
    expect(t.readyPrefix(ready, 10)).toEqual({ offsets: [0, 1], point: 2 });
    expect(t.readyPrefix(ready, 1)).toEqual({ offsets: [0], point: 1 });
  });
});
