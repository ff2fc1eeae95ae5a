import { Pacer } from './pacer';

describe('Pacer', () => {
  it('spaces takes 1000 / rate ms apart', async () => {
    const pacer = new Pacer(100);
    const started = Date.now();
    for (let i = 0; i < 11; i++) await pacer.take();
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('does not wait without a rate, nor once the signal aborted', async () => {
    const started = Date.now();
    const free = new Pacer();
    for (let i = 0; i < 1_000; i++) await free.take();
    const stopped = new AbortController();
    stopped.abort();
    const slow = new Pacer(1);
    for (let i = 0; i < 5; i++) await slow.take(stopped.signal);
    expect(Date.now() - started).toBeLessThan(500);
  });
});
