import { runBacklogSuite } from '@polybus/conformance';
import { testTransport, uniqueTopic } from './helpers';

// Visible + in flight + delayed of the topic's queue. SQS has no groups: every group of a topic
// reads its queue's count, so only the unknown topic is undefined.
for (const [kind, suffix] of [
  ['standard', ''],
  ['FIFO', '.fifo'],
])
  runBacklogSuite({
    name: `sqs ${kind}`,
    createTransport: () => testTransport(),
    topic: () => uniqueTopic('backlog', suffix),
    groups: false,
  });

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
