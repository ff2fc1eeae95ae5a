import { expectBacklogCounts } from '@polybus/conformance';
import { testTransport, uniqueTopic } from './helpers';

// SQS has no groups: every group of a topic reads its queue's count, so only the unknown topic is undefined.
it.each([
  ['standard', ''],
  ['FIFO', '.fifo'],
])(
  'backlog (%s queue): visible + in flight + delayed; undefined for a queue that does not exist',
  async (_, suffix) => {
    const transport = testTransport();
    await transport.connect();
    try {
      await expectBacklogCounts(transport, { topic: uniqueTopic('backlog', suffix), groups: false });
    } finally {
      await transport.close();
    }
  },
  90_000,
);

it('backlog: never creates the queue it is asked about', async () => {
  const transport = testTransport();
  await transport.connect();
  try {
    const topic = uniqueTopic('backlog-absent');
    expect(await transport.backlog!({ topic, group: 'g' })).toBeUndefined();
    expect(await transport.backlog!({ topic, group: 'g' })).toBeUndefined();
  } finally {
    await transport.close();
  }
});
