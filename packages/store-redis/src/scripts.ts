import { createHash } from 'node:crypto';
import type Redis from 'ioredis';

/**
 * The store's state machine lives in Lua so each step is one atomic round trip.
 * Values: `processing:<owner>` while locked; `completed` once done, or `completed` + newline + the
 * outputs' JSON while outputs are kept (any value starting with `completed` is a completion).
 */
export const ACQUIRE = `
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'processing:' .. ARGV[1], 'PX', ARGV[2])
  return 'acquired'
end
if string.sub(v, 1, 9) == 'completed' then return 'completed' end
if v == 'processing:' .. ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 'acquired'
end
return 'locked'`;

/**
 * Records completion even when the lock was lost (expired, or taken by another owner): the effect
 * happened, and forgetting that would let a later duplicate run it again. Returns 1 when the lock
 * was still ours, 0 otherwise, so the caller can warn. Never downgrades an existing completion.
 */
export const COMPLETE = `
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 9) == 'completed' then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
if v == 'processing:' .. ARGV[1] then return 1 end
return 0`;

/** Drops the kept outputs of a completion; the mark and its TTL stay (KEEPTTL, Redis 6+). */
export const DISPATCHED = `
local v = redis.call('GET', KEYS[1])
if v and v ~= 'completed' and string.sub(v, 1, 9) == 'completed' then
  redis.call('SET', KEYS[1], 'completed', 'KEEPTTL')
end
return 0`;

/** Compare-and-delete: a release never removes another owner's lock or a completion. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == 'processing:' .. ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

const shas = new Map<string, string>();

function sha1(script: string): string {
  let sha = shas.get(script);
  if (sha === undefined) {
    sha = createHash('sha1').update(script).digest('hex');
    shas.set(script, sha);
  }
  return sha;
}

/**
 * EVALSHA, falling back to EVAL when the server does not know the script yet (first call, or
 * after a restart / SCRIPT FLUSH). Does not touch the client (no defineCommand), so a client the
 * application shares with us stays as it was.
 */
export async function runScript(
  redis: Redis,
  script: string,
  key: string,
  args: (string | number)[],
): Promise<unknown> {
  try {
    return await redis.evalsha(sha1(script), 1, key, ...args);
  } catch (error) {
    if (error instanceof Error && error.message.startsWith('NOSCRIPT'))
      return redis.eval(script, 1, key, ...args);
    throw error;
  }
}
