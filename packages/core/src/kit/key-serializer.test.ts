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

describe('KeySerializer.dropWaitingWhere', () => {
  it('drops the matching items not started, of every key, and keeps the rest in order', () => {
    const started: string[] = [];
    const s = new KeySerializer<string>((item) => started.push(item));
    ['a1', 'a2x', 'a3', 'a4x'].forEach((i) => s.push('a', i));
    ['b1x', 'b2x'].forEach((i) => s.push('b', i));
    expect(s.dropWaitingWhere((i) => i.endsWith('x'))).toEqual(['a2x', 'a4x', 'b2x']);
    s.done('a');
    s.done('b');
    expect(started).toEqual(['a1', 'b1x', 'a3']);
  });
});
