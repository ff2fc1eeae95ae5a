import { withTimeout } from './with-timeout';

describe('withTimeout', () => {
  it('passes the outcome of work that settles in time', async () => {
    await expect(withTimeout(Promise.resolve(7), 1_000, () => new Error('late'))).resolves.toBe(7);
    await expect(
      withTimeout(Promise.reject(new Error('own')), 1_000, () => new Error('late')),
    ).rejects.toThrow('own');
  });

  it('rejects with onTimeout() when the work does not settle in time', async () => {
    const never = new Promise<void>(() => undefined);
    await expect(withTimeout(never, 20, () => new Error('no answer in 20 ms'))).rejects.toThrow(
      'no answer in 20 ms',
    );
  });
});
