import { withTimeout } from '@polybus/core/transport';
import type Redis from 'ioredis';
import { parseGroupsReply } from './replies';

/** Longest a backlog read waits for Redis (a metrics scrape must not hang on it). */
const BACKLOG_TIMEOUT_MS = 5_000;

/**
 * `Transport.backlog` on Redis Streams: the group's `lag` (entries of the stream not yet delivered
 * to it) plus its `pending` (delivered, not acknowledged: held by a handler, waiting for a retry,
 * or left by a consumer that died), from one XINFO GROUPS. Undefined when the stream or the group
 * does not exist, when Redis cannot tell the lag (nil: entries were deleted past the group's
 * position, or the group was set to an arbitrary id, or Redis < 7), or when it does not answer in
 * time.
 */
export async function redisBacklog(
  redis: Redis,
  subscription: { topic: string; group: string },
): Promise<number | undefined> {
  const read = async (): Promise<number | undefined> => {
    const groups = parseGroupsReply(await redis.xinfo('GROUPS', subscription.topic));
    const group = groups.find((g) => g.name === subscription.group);
    if (group?.lag === undefined) return undefined;
    return group.lag + group.pending;
  };
  // ERR no such key (a stream that does not exist) is an answer too: undefined.
  return withTimeout(read(), BACKLOG_TIMEOUT_MS, () => new Error('no answer')).catch(() => undefined);
}
