import { calledWithin } from './called-within';

describe('calledWithin', () => {
  it('is true when the callback is called before the time is up', async () => {
    await expect(calledWithin((done) => setTimeout(done, 5), 1_000)).resolves.toBe(true);
  });

  it('is false when the time is up first, and a late call changes nothing', async () => {
    let late: (() => void) | undefined;
    await expect(calledWithin((done) => (late = done), 10)).resolves.toBe(false);
    expect(() => late!()).not.toThrow();
  });
});
