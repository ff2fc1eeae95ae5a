import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueRegistry } from './queues';

/** Longest a backlog read waits for SQS (a metrics scrape must not hang on it). */
const BACKLOG_TIMEOUT_MS = 5_000;

const COUNTS = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
] as const;

/**
 * `Transport.backlog` on SQS: the topic's queue's approximate visible, in-flight (received, not
 * deleted: held by a handler or waiting for a retry's visibility timeout) and delayed counts,
 * summed. SQS has no consumer groups, so every group of a topic reads the same count. Approximate
 * as SQS says (eventually right, within about a minute on AWS). Undefined when the queue does not
 * exist (it is not created), or SQS does not answer in time or refuses.
 */
export async function sqsBacklog(
  client: SQSClient,
  queues: QueueRegistry,
  topic: string,
): Promise<number | undefined> {
  const abortSignal = AbortSignal.timeout(BACKLOG_TIMEOUT_MS);
  try {
    const url = await queues.find(topic, abortSignal);
    if (url === undefined) return undefined;
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...COUNTS] }),
      { abortSignal },
    );
    let backlog = 0;
    for (const name of COUNTS) {
      const count = Number(Attributes?.[name]);
      if (!Number.isFinite(count)) return undefined;
      backlog += count;
    }
    return backlog;
  } catch {
    return undefined;
  }
}
