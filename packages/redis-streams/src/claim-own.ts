import type { Redis } from 'ioredis';

/**
 * `XCLAIM <min-idle 0>` only of entries this consumer still owns, checked and claimed in one script.
 * A plain XCLAIM takes an entry from whoever holds it: a heartbeat or a redelivery that ran after
 * another member claimed an entry of ours (our process stalled past claimIdleMs) would take it back
 * while that member processes it, and both would run it.
 */
const CLAIM_OWN = `
local claimed = {}
for i = 4, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2])
  if #pending == 1 then
    if ARGV[3] == '' then
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    else
      redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'RETRYCOUNT', ARGV[3], 'JUSTID')
    end
    claimed[#claimed + 1] = ARGV[i]
  end
end
return claimed`;

/**
 * Resets the idle time of those of `entryIds` that `consumer` owns in `group` (the others are left
 * to their owner) and, with `retryCount`, sets their delivery count; resolves with the ids claimed.
 */
export async function claimOwn(
  redis: Redis,
  stream: string,
  group: string,
  consumer: string,
  entryIds: readonly string[],
  retryCount?: number,
): Promise<string[]> {
  if (entryIds.length === 0) return [];
  const args = [group, consumer, retryCount === undefined ? '' : String(retryCount), ...entryIds];
  return (await redis.eval(CLAIM_OWN, 1, stream, ...args)) as string[];
}
