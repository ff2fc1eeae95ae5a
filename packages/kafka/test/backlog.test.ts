import { expectBacklogCounts } from '@polybus/conformance';
import { testTransport, unique } from './helpers';

it('backlog: high watermark less the committed offsets; undefined for an unknown group or topic', async () => {
  const transport = testTransport();
  await transport.connect();
  try {
    await expectBacklogCounts(transport, { topic: unique('backlog') });
  } finally {
    await transport.close();
  }
}, 90_000);

it('backlog: undefined before connect', async () => {
  const transport = testTransport();
  expect(await transport.backlog({ topic: unique('backlog'), group: 'g' })).toBeUndefined();
});
