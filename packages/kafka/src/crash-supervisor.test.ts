import type { Consumer } from 'kafkajs';
import { recordingLogger } from '@polybus/core/testing';
import { CrashSupervisor, STABLE_MS } from './crash-supervisor';

function supervisor() {
  const logger = recordingLogger();
  const consumer = { connect: async () => undefined, run: async () => undefined } as unknown as Consumer;
  const s = new CrashSupervisor({
    consumer,
    runConfig: {},
    logger,
    group: 'g',
    topic: 't',
    closing: () => false,
    lostPartitions: () => undefined,
  });
  const restartIn = (): string | undefined => logger.warnings.at(-1)?.fields?.restart as string | undefined;
  return { s, restartIn };
}

describe('CrashSupervisor', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('a consumer that crashes right after every join backs off further each time and is reported looping', () => {
    const { s, restartIn } = supervisor();
    const delays: Array<string | undefined> = [];
    for (let i = 0; i < 4; i++) {
      s.joined();
      jest.advanceTimersByTime(500); // a poison batch crashes it at once
      s.crashed(new Error('cannot decode'), false);
      delays.push(restartIn());
    }
    expect(delays).toEqual(['in 1000 ms', 'in 2000 ms', 'in 4000 ms', 'in 8000 ms']);
    expect(s.looping).toEqual({ crashes: 4, error: 'cannot decode' });
    s.stop();
  });

  it('starts over once the consumer stayed up a while after joining, and stops reporting a loop', () => {
    const { s, restartIn } = supervisor();
    for (let i = 0; i < 3; i++) s.crashed(new Error('boom'), false);
    expect(s.looping).toBeDefined();
    s.joined();
    jest.advanceTimersByTime(STABLE_MS + 1);
    expect(s.looping).toBeUndefined();
    s.crashed(new Error('once'), false);
    expect(restartIn()).toBe('in 1000 ms');
    expect(s.looping).toBeUndefined();
    s.stop();
  });
});
