import { ConfigurationError } from '@polybus/core';
import {
  integerOption,
  type DeadLetterAccess,
  type DeadLetterBatch,
  type StoredDeadLetter,
} from '@polybus/core/transport';
import type { Redis } from 'ioredis';
import { text, type Bulk } from './replies';
import { decodeEntry } from './wire';

/**
 * Dead letters on Redis: a topic is the stream of its name, so a dead-letter topic is read with
 * XRANGE, which no consumer group sees (reading moves no group's position and claims nothing).
 * `ref` is the entry id; `remove` is XDEL, one entry at a time. An entry a group still has pending
 * when it is deleted comes back to that group's reader as trimmed, and is acked there.
 */
export class RedisDeadLetters implements DeadLetterAccess {
  /** `commands`: the transport's command connection, undefined before `connect`. */
  constructor(private readonly commands: () => Redis | undefined) {}

  async browse(
    deadLetterTopic: string,
    options: { limit: number; after?: string },
  ): Promise<DeadLetterBatch> {
    const limit = integerOption('limit', options.limit, 1);
    const { after } = options;
    const redis = this.commands();
    if (redis === undefined)
      throw new ConfigurationError('deadLetters', 'connect() the transport before browsing');
    // Exclusive start: '(' + id (Redis >= 6.2). Buffers, so a binary body reads back as its bytes.
    const start = after === undefined ? '-' : `(${after}`;
    const entries = (await redis.xrangeBuffer(deadLetterTopic, start, '+', 'COUNT', limit)) as unknown as [
      Bulk,
      Bulk[],
    ][];
    if (entries.length === 0 && after === undefined && (await redis.exists(deadLetterTopic)) === 0)
      throw new ConfigurationError(
        'deadLetterTopic',
        `no stream '${deadLetterTopic}' on this Redis: nothing was ever dead-lettered there (check the name)`,
      );
    const letters: StoredDeadLetter[] = entries.map(([rawId, fields]) => {
      const ref = text(rawId);
      return {
        ref,
        message: decodeEntry(deadLetterTopic, ref, fields),
        storedAt: Number(ref.split('-')[0]),
      };
    });
    return {
      letters,
      removesEach: true,
      async remove(refs) {
        if (refs.length > 0) await redis.xdel(deadLetterTopic, ...refs);
      },
      async release() {
        // Nothing is held: XRANGE takes no lease.
      },
    };
  }
}
