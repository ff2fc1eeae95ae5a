import { HandlerTimeoutError } from '../errors/handler-timeout-error';
import { timeout } from './timeout';
import { processing } from './test-support';

describe('timeout', () => {
  it('fails a slow attempt with HandlerTimeoutError and aborts its signal', async () => {
    const p = processing();
    let aborted = false;
    const error = await timeout(20)(async (q) => {
      q.controller!.signal.addEventListener('abort', () => (aborted = true));
      await new Promise((r) => setTimeout(r, 200));
    })(p).catch((e: unknown) => e);
    expect(HandlerTimeoutError.is(error)).toBe(true);
    expect(aborted).toBe(true);
  });

  it('lets a fast attempt through untouched', async () => {
    await expect(timeout(1_000)(async () => undefined)(processing())).resolves.toBeUndefined();
  });

  it('passes the handler’s own failure through', async () => {
    await expect(timeout(1_000)(async () => Promise.reject(new Error('own')))(processing())).rejects.toThrow(
      'own',
    );
  });
});
