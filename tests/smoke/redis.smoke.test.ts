// Raw ioredis round trip against Redis: XADD then XRANGE on a stream.
import { Redis } from 'ioredis';
import { REDIS_URL, uniqueName } from './env';

describe('Redis smoke (raw ioredis)', () => {
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const key = uniqueName('polybus-smoke');

  afterAll(async () => {
    await redis.del(key).catch(() => undefined);
    await redis.quit();
  });

  it('appends to a stream and reads the entry back', async () => {
    await redis.connect();
    const id = await redis.xadd(key, '*', 'body', 'hello', 'kind', 'smoke');
    expect(id).toMatch(/^\d+-\d+$/);

    const entries = await redis.xrange(key, '-', '+');
    expect(entries).toEqual([[id, ['body', 'hello', 'kind', 'smoke']]]);
    expect(await redis.xlen(key)).toBe(1);
  });
});
