import { expectBacklogCounts } from '@polybus/conformance';
import { redisStreamsTransport } from '../src';
import { rawClient, REDIS_URL, unique } from './helpers';

it('backlog: lag plus pending of the group; undefined for an unknown group or stream', async () => {
  const transport = redisStreamsTransport({ url: REDIS_URL });
  await transport.connect();
  try {
    await expectBacklogCounts(transport, { topic: unique('backlog') });
  } finally {
    await transport.close();
  }
}, 90_000);

it('backlog: undefined when Redis cannot tell the lag (entries deleted past the group), and before connect', async () => {
  const transport = redisStreamsTransport({ url: REDIS_URL });
  const topic = unique('backlog-nil');
  expect(await transport.backlog!({ topic, group: 'g' })).toBeUndefined();
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
