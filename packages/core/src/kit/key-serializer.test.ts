import { KeySerializer } from './key-serializer';

describe('KeySerializer', () => {
  it('starts one item per key at a time, in order, and unkeyed items at once', () => {
    const started: string[] = [];
    const s = new KeySerializer<string>((item) => started.push(item));
    s.push('a', 'a1');
    s.push('a', 'a2');
    s.push('b', 'b1');
    s.push(undefined, 'x');
    expect(started).toEqual(['a1', 'b1', 'x']);
    s.done('a');
    expect(started).toEqual(['a1', 'b1', 'x', 'a2']);
  });

  it('drops waiting items without touching the running one', () => {
    const started: string[] = [];
    const s = new KeySerializer<string>((item) => started.push(item));
    ['a1', 'a2', 'a3'].forEach((i) => s.push('a', i));
    s.push('b', 'b1');
    s.push('b', 'b2');
    expect(s.dropWaiting('a')).toEqual(['a2', 'a3']);
    expect(s.dropAllWaiting()).toEqual(['b2']);
    s.done('a');
    s.push('a', 'a4');
    expect(started).toEqual(['a1', 'b1', 'a4']);
  });
});
