import { jsonCodec } from '../codec';
import { HandlerTimeoutError } from '../errors/handler-timeout-error';
import { resolveBinding } from '../resolve-binding';
import { expireOverdue, timeout, timeoutTick } from './timeout';
import { processing } from './test-support';

describe('timeout', () => {
  it('fails an attempt seen running for timeoutMs with HandlerTimeoutError and aborts its signal', async () => {
    const p = processing();
    let signal: AbortSignal | undefined;
    let finish: () => void = () => undefined;
    const run = timeout()(async (q) => {
      signal = q.signal;
      await new Promise<void>((resolve) => (finish = resolve));
    })(p);
    const outcome = run.catch((e: unknown) => e);
    expireOverdue([p], 1_000, 50); // first sight: the attempt's clock starts
    expireOverdue([p], 1_049, 50); // not yet
    expect(signal!.aborted).toBe(false);
    expireOverdue([p], 1_050, 50);
    const error = await outcome;
    expect(HandlerTimeoutError.is(error)).toBe(true);
    expect(signal!.aborted).toBe(true);
    expect(signal!.reason).toBe(error);
    finish(); // the handler ends late: nobody is left to tell, nothing throws
    expect(p.expire).toBeUndefined();
  });

  it('lets a fast attempt through untouched; a late check of a finished attempt changes nothing', async () => {
    const p = processing();
    const run = timeout()(async () => undefined)(p);
    await expect(run).resolves.toBeUndefined();
    expireOverdue([p], 0, 1);
    expireOverdue([p], 10_000, 1); // rejects a promise already resolved: no effect
    await expect(run).resolves.toBeUndefined();
    let aborted: boolean | undefined;
    await timeout()(async (q) => void (aborted = q.signal.aborted))(p);
    expect(aborted).toBe(false); // the next attempt's signal is its own
  });

  it('passes the handler’s own failure through', async () => {
    await expect(timeout()(async () => Promise.reject(new Error('own')))(processing())).rejects.toThrow(
      'own',
    );
  });

  it('gives a retried attempt its own clock and a signal that is not aborted', async () => {
    const p = processing();
    const first = timeout()(() => new Promise<void>(() => undefined))(p).catch((e: unknown) => e);
    expireOverdue([p], 0, 10);
    expireOverdue([p], 10, 10);
    expect(HandlerTimeoutError.is(await first)).toBe(true);
    let aborted: boolean | undefined;
    const second = timeout()(async (q) => void (aborted = q.signal.aborted))(p);
    expireOverdue([p], 20, 10); // the new attempt's first sight, not overdue
    await second;
    expect(aborted).toBe(false);
  });

  it('ticks a tenth of the timeout, between 10 ms and 1 s', () => {
    expect([timeoutTick(20), timeoutTick(2_000), timeoutTick(300_000)]).toEqual([10, 200, 1_000]);
  });

  it('has a 5-minute default, and timeoutMs: false turns it off', () => {
    const resolved = (timeoutMs?: number | false) =>
      resolveBinding(
        't',
        { group: 'g', ...(timeoutMs === undefined ? {} : { timeoutMs }) },
        { codec: jsonCodec },
      ).timeoutMs;
    expect([resolved(), resolved(false), resolved(250)]).toEqual([300_000, undefined, 250]);
  });
});
