import { ReusedHeaders } from '../src/reused-headers';

describe('ReusedHeaders', () => {
  it('reuses one table while the header names repeat, and carries each message its own values', () => {
    const reused = new ReusedHeaders();
    const first = reused.fill({ 'polybus-id': 'a', 'polybus-timestamp': '1' });
    const snapshot = { ...first };
    const second = reused.fill({ 'polybus-id': 'b', 'polybus-timestamp': '2' });
    expect(second).toBe(first);
    expect(snapshot).toEqual({ 'polybus-id': 'a', 'polybus-timestamp': '1' });
    expect({ ...second }).toEqual({ 'polybus-id': 'b', 'polybus-timestamp': '2' });
  });

  it('never leaks a header of an earlier message into one with other names', () => {
    const reused = new ReusedHeaders();
    reused.fill({ 'polybus-id': 'a', tenant: 'acme', 'polybus-timestamp': '1' });
    expect({ ...reused.fill({ 'polybus-id': 'b', 'polybus-timestamp': '2' }) }).toEqual({
      'polybus-id': 'b',
      'polybus-timestamp': '2',
    });
    expect({ ...reused.fill({ 'polybus-timestamp': '3', 'polybus-id': 'c' }) }).toEqual({
      'polybus-timestamp': '3',
      'polybus-id': 'c',
    });
    expect({ ...reused.fill({ 'polybus-timestamp': '4', 'polybus-id': 'd', x: 'y' }) }).toEqual({
      'polybus-timestamp': '4',
      'polybus-id': 'd',
      x: 'y',
    });
    expect({ ...reused.fill({}) }).toEqual({});
  });
});
