import type { TransportMessage } from '../message';
import { recordingLogger } from '../testing/recording-logger';
import { FORGOTTEN_DELAY_MS, retryInPlace, settleForgotten, type InPlaceRetryHost } from './in-place-retry';

/** A delivery as a test sees it: what its handler did with it. */
interface Attempt {
  readonly attempt: number;
  retryAfterMs?: number;
}

function host(
  behaviour: (attempt: Attempt) => Promise<void>,
  overrides: Partial<InPlaceRetryHost<Attempt>> = {},
) {
  const waits: number[] = [];
  const rejected: unknown[] = [];
  const seen: number[] = [];
  const h: InPlaceRetryHost<Attempt> = {
    handler: (d) => (seen.push(d.attempt), behaviour(d)),
    next: (d) =>
      d.retryAfterMs === undefined ? undefined : { delayMs: d.retryAfterMs, attempt: d.attempt + 1 },
    wait: async (ms) => void waits.push(ms),
    stopped: () => false,
    again: (_previous, attempt) => ({ attempt }),
    rejected: (_d, error) => void rejected.push(error),
    ...overrides,
  };
  return { h, waits, rejected, seen };
}

describe('retryInPlace', () => {
  it('hands the message over again after each asked wait, with the next attempt, until one settles it', async () => {
    const { h, waits, seen } = host(async (d) => {
      if (d.attempt < 4) d.retryAfterMs = d.attempt * 10;
    });
    const first: Attempt = { attempt: 1, retryAfterMs: 5 };
    await retryInPlace(first, h);
    expect(seen).toEqual([2, 3, 4]);
    expect(waits).toEqual([5, 20, 30]);
  });

  it('does nothing more for a first attempt that settled', async () => {
    const { h, seen, waits } = host(async () => undefined);
    await retryInPlace({ attempt: 1 }, h);
    expect([seen, waits]).toEqual([[], []]);
  });

  it('stops after a wait when the message is no longer ours, handing nothing over', async () => {
    let stop = false;
    const { h, seen } = host(
      async (d) => {
        d.retryAfterMs = 1;
        stop = d.attempt === 3;
      },
      { stopped: () => stop },
    );
    await retryInPlace({ attempt: 1, retryAfterMs: 1 }, h);
    expect(seen).toEqual([2, 3]);
  });

  it('a rejecting handler is reported and the loop goes on; it never rejects itself', async () => {
    const { h, rejected, seen } = host(async (d) => {
      if (d.attempt === 2) {
        d.retryAfterMs = 0;
        throw new Error('boom');
      }
    });
    await expect(retryInPlace({ attempt: 1, retryAfterMs: 0 }, h)).resolves.toBeUndefined();
    expect(seen).toEqual([2, 3]);
    expect(rejected).toEqual([new Error('boom')]);
  });

  it('waits for an asynchronous answer of next (a settlement in progress)', async () => {
    let settledLate = false;
    const { h, seen } = host(async () => undefined, {
      next: async (d) => {
        await new Promise((resolve) => setImmediate(resolve));
        if (d.attempt === 1 && !settledLate) return { delayMs: 0, attempt: 2 };
        settledLate = true;
        return undefined;
      },
    });
    await retryInPlace({ attempt: 1 }, h);
    expect(seen).toEqual([2]);
  });
});

describe('settleForgotten', () => {
  const message = { id: 'm1', topic: 't' } as TransportMessage;

  it('nacks an unsettled delivery to come back after FORGOTTEN_DELAY_MS, with a warning', async () => {
    const nacks: unknown[] = [];
    const logger = recordingLogger();
    const delivery = { message, attempt: 1, nack: async (o: unknown) => void nacks.push(o) };
    await settleForgotten(delivery as never, false, logger, 'x');
    expect(nacks).toEqual([{ delayMs: FORGOTTEN_DELAY_MS }]);
    expect(logger.warnings).toEqual([
      {
        message: 'x: delivery left unsettled by its handler; it comes back in 1 s',
        fields: { topic: 't', id: 'm1' },
      },
    ]);
  });

  it('does nothing, and returns undefined, for a settled delivery', () => {
    const logger = recordingLogger();
    const delivery = { message, nack: () => Promise.reject(new Error('must not be called')) };
    expect(settleForgotten(delivery as never, true, logger, 'x')).toBeUndefined();
    expect(logger.warnings).toEqual([]);
  });
});
