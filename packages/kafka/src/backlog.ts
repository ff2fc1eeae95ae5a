import type { Admin } from 'kafkajs';
import { withTimeout } from '@polybus/core/transport';

/** Longest a backlog read waits for the cluster (a metrics scrape must not hang on it). */
const BACKLOG_TIMEOUT_MS = 5_000;

/**
 * `Transport.backlog` on Kafka: per partition of `topic`, the high watermark less the group's
 * committed offset, summed. A partition the group never committed counts from the low watermark
 * when the consumer starts from the beginning (`consumer.fromBeginning`, the default), else 0 (it
 * starts at the end). Exact up to what the committer has not sent yet (`commitIntervalMs`); on
 * topics written in transactions each commit marker takes an offset and counts as one. The retry
 * topic of `retryTopics` is not included. Undefined for a group the cluster does not know
 * (`describeGroups` says Dead), a missing topic, or no answer in time.
 */
export async function kafkaBacklog(
  admin: Admin,
  subscription: { topic: string; group: string },
  fromBeginning: boolean,
): Promise<number | undefined> {
  const { topic, group } = subscription;
  const read = async (): Promise<number | undefined> => {
    const [{ groups }, watermarks, committed] = await Promise.all([
      admin.describeGroups([group]),
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId: group, topics: [topic] }),
    ]);
    if (groups[0] === undefined || groups[0].state === 'Dead') return undefined;
    const commits = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]));
    let backlog = 0;
    for (const { partition, high, low } of watermarks) {
      const end = Number(high);
      const commit = commits.get(partition) ?? -1;
      const from = commit >= 0 ? Math.max(commit, Number(low)) : fromBeginning ? Number(low) : end;
      backlog += Math.max(0, end - from);
    }
    return backlog;
  };
  return withTimeout(read(), BACKLOG_TIMEOUT_MS, () => new Error('no answer')).catch(() => undefined);
}
