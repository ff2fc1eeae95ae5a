import { silentLogger } from '@polybus/core';
import { Heartbeat, type HeartbeatEntry } from './heartbeat';
import type { Settler } from './settler';

function entry(handle: string): HeartbeatEntry {
  return { queueUrl: 'q', handle, extendedAt: 0, prevBeat: undefined, nextBeat: undefined };
}

describe('Heartbeat', () => {
  let extended: string[];
  let heartbeat: Heartbeat;

  beforeEach(() => {
    jest.useFakeTimers();
    extended = [];
    const settler = {
      changeVisibility: async (_queue: string, handle: string, seconds: number) => {
        expect(seconds).toBe(30);
        extended.push(handle);
      },
    } as unknown as Settler;
    heartbeat = new Heartbeat(settler, 30, 1000, silentLogger); // beats every 500 ms
  });

  afterEach(() => {
    heartbeat.stop();
    jest.useRealTimers();
  });

  it('extends each held message once it has been held an interval, and again an interval later', () => {
    const [a, b] = [entry('a'), entry('b')];
    heartbeat.track(a, performance.now());
    jest.advanceTimersByTime(500);
    heartbeat.track(b, performance.now());
    jest.advanceTimersByTime(500); // a held 1000 ms, b 500 ms
    expect(extended).toEqual(['a']);
    jest.advanceTimersByTime(500); // b held 1000 ms; a extended 500 ms ago
    expect(extended).toEqual(['a', 'b']);
    jest.advanceTimersByTime(500);
    expect(extended).toEqual(['a', 'b', 'a']);
  });

  it('never extends a message once it is untracked, and untracking twice is harmless', () => {
    const [a, b, c] = [entry('a'), entry('b'), entry('c')];
    for (const e of [a, b, c]) heartbeat.track(e, performance.now());
    heartbeat.untrack(b);
    heartbeat.untrack(b);
    jest.advanceTimersByTime(1000);
    expect(extended).toEqual(['a', 'c']);
    heartbeat.untrack(a);
    heartbeat.untrack(c);
    jest.advanceTimersByTime(3000);
    expect(extended).toEqual(['a', 'c']);
    heartbeat.track(b, performance.now()); // tracked again after the list was emptied
    jest.advanceTimersByTime(1000);
    expect(extended).toEqual(['a', 'c', 'b']);
  });
});
