import { expectBacklogCounts } from '@polybus/conformance';
import { transport, unique } from './helpers';

it('backlog: ready messages of the group queue; undefined for an unknown group or topic', async () => {
  const t = transport();
  await t.connect();
  try {
    await expectBacklogCounts(t, { topic: unique('backlog') });
  } finally {
    await t.close();
  }
}, 90_000);

it('backlog: undefined before connect, and a missing queue is not declared by asking', async () => {
  const t = transport();
  const topic = unique('backlog-absent');
  expect(await t.backlog!({ topic, group: 'g' })).toBeUndefined();
  await t.connect();
  try {
    expect(await t.backlog!({ topic, group: 'g' })).toBeUndefined();
    expect(await t.backlog!({ topic, group: 'g' })).toBeUndefined();
    expect((await t.health!()).ok).toBe(true); // the 404 closed only the backlog's own channel
  } finally {
    await t.close();
  }
});
