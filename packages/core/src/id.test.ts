import { uuidv7 } from './id';

describe('uuidv7', () => {
  it('is a version 7, variant 10 UUID carrying the time', () => {
    const now = Date.UTC(2026, 10, 26, 12, 0, 0);
    const id = uuidv7(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(now);
  });

  it('sorts in creation order within one millisecond, and is unique', () => {
    const now = Date.now() + 10_000;
    const ids = Array.from({ length: 5_000 }, () => uuidv7(now));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
