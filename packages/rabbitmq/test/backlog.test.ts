import { runBacklogSuite } from '@polybus/conformance';
import { transport, unique } from './helpers';

// The ready messages of the group queue.
runBacklogSuite({ name: 'rabbitmq', createTransport: () => transport(), topic: () => unique('backlog') });

it('backlog: a missing queue is not declared by asking', async () => {
  const t = transport();
  const topic = unique('backlog-absent');
  await t.connect();
  try {
    expect(await t.backlog!({ topic, group: 'g' })).toBeUndefined();
    expect(await t.backlog!({ topic, group: 'g' })).toBeUndefined();
    expect((await t.health!()).ok).toBe(true); // the 404 closed only the backlog's own channel
  } finally {
    await t.close();
  }
});
