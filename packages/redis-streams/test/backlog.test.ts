import { runBacklogSuite } from '@polybus/conformance';
import { redisStreamsTransport } from '../src';
import { rawClient, REDIS_URL, unique } from './helpers';

// The group's lag plus its pending entries.
runBacklogSuite({
  name: 'redis-streams',
  createTransport: () => redisStreamsTransport({ url: REDIS_URL }),
  topic: () => unique('backlog'),
});

it('backlog: undefined when Redis cannot tell the lag (entries deleted past the group)', async () => {
  const transport = redisStreamsTransport({ url: REDIS_URL });
  const topic = unique('backlog-nil');
  const raw = rawClient();
  await transport.connect();
  try {
    const ids: string[] = [];
    for (const n of ['1', '2', '3']) ids.push((await raw.xadd(topic, '*', 'n', n))!);
    // A group set at an id of its own: Redis estimates its lag while no entry was deleted...
    await raw.xgroup('CREATE', topic, 'g', ids[0]!);
    expect(await transport.backlog!({ topic, group: 'g' })).toBe(2);
    // ...and gives nil once one past the group's position was.
    await raw.xdel(topic, ids[1]!);
    expect(await transport.backlog!({ topic, group: 'g' })).toBeUndefined();
  } finally {
    raw.disconnect();
    await transport.close();
  }
});
