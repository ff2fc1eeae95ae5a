import type { Admin } from 'kafkajs';
import { ConfigurationError } from '@polybus/core';
import type { ResolvedKafkaOptions } from './options';

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
/** Metadata answers of a topic that exists but has not reached every broker's view yet. */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/**
 * Creates missing topics with the configured partitions (an existing topic is left as it is) and
 * resolves once every partition of them has a leader, or, with `topics.create: false`, only checks
 * that they exist. Throws `ConfigurationError('topics')` naming the topics that are missing or
 * invalid, or that got no leaders within `timeoutMs`.
 */
export async function ensureKafkaTopics(
  admin: Admin,
  topics: readonly string[],
  options: ResolvedKafkaOptions['topics'],
  timeoutMs: number,
): Promise<void> {
  const wanted = [...new Set(topics)];
  if (wanted.length === 0) return;
  const invalid = wanted.filter((t) => !TOPIC_NAME.test(t) || t === '.' || t === '..');
  if (invalid.length > 0) {
    throw new ConfigurationError(
      'topics',
      `invalid Kafka topic names: ${invalid.join(', ')} (allowed: a-z A-Z 0-9 . _ -, up to 249)`,
    );
  }
  if (options.create) {
    try {
      // kafkajs's own waitForLeaders gives up on UNKNOWN_TOPIC_OR_PARTITION, which a KRaft broker
      // answers for a moment after creating a topic: waitForLeaders below retries it.
      await admin.createTopics({
        waitForLeaders: false,
        topics: wanted.map((topic) => ({
          topic,
          numPartitions: options.partitions,
          replicationFactor: options.replicationFactor,
        })),
      });
    } catch (error) {
      const errors = (error as { errors?: { type?: string }[] }).errors;
      // A racing creator (another bus, another process) is fine; anything else is not.
      if (!errors || !errors.every((e) => e.type === 'TOPIC_ALREADY_EXISTS')) {
        throw new ConfigurationError(
          'topics',
          `could not create Kafka topics ${wanted.join(', ')}: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    }
    await waitForLeaders(admin, wanted, timeoutMs);
  }
  const existing = new Set(await admin.listTopics());
  const missing = wanted.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    throw new ConfigurationError(
      'topics',
      `Kafka topics do not exist: ${missing.join(', ')}; create them or set topics.create to true`,
    );
  }
}

async function waitForLeaders(admin: Admin, topics: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no metadata yet';
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      const waiting = metadata.filter(
        (t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0),
      );
      if (waiting.length === 0) return;
      last = `no leader yet for ${waiting.map((t) => t.name).join(', ')}`;
    } catch (error) {
      if (!NOT_YET.has((error as { type?: string }).type ?? '')) throw error;
      last = (error as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new ConfigurationError(
        'topics',
        `Kafka topics ${topics.join(', ')} have no partition leaders after ${timeoutMs} ms: ${last}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
