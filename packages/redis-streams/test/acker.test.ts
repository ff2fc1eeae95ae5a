import { recordingLogger } from '@polybus/core/testing';
import { Acker } from '../src/acker';
import { rawClient, unique } from './helpers';

describe('Acker against Redis', () => {
  const redis = rawClient();
  afterAll(() => redis.disconnect());

  it('sends the acks of one turn as one XACK, without making the caller wait for the reply', async () => {
    const stream = unique('acker');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await redis.xadd(stream, '*', 'n', String(i))) as string);
    await redis.xgroup('CREATE', stream, 'g', '0');
    await redis.xreadgroup('GROUP', 'g', 'c', 'COUNT', 10, 'STREAMS', stream, '>');
    const acker = new Acker(redis, stream, 'g', recordingLogger());
    for (const id of ids) acker.ack(id);
    expect((await redis.xpending(stream, 'g'))[0]).toBe(3); // queued, not yet sent
    await acker.drain();
    expect((await redis.xpending(stream, 'g'))[0]).toBe(0);
    await redis.del(stream);
  });

  it('logs a failed XACK once per batch, and drain still resolves', async () => {
    const key = unique('acker-not-a-stream');
    await redis.set(key, 'a string: XACK on it fails with WRONGTYPE');
    const logger = recordingLogger();
    const acker = new Acker(redis, key, 'g', logger);
    acker.ack('1-0');
    acker.ack('2-0');
    await acker.drain();
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]!.message).toMatch(/XACK failed/);
    expect(logger.warnings[0]!.fields).toMatchObject({
      entries: 2,
      error: expect.stringMatching(/WRONGTYPE/),
    });
    await redis.del(key);
  });
});
