import type { Admin } from 'kafkajs';
import { ConfigurationError } from '@polybus/core';
import type { ResolvedKafkaOptions } from './options';

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Creates missing topics with the configured partitions (an existing topic is left as it is), or,
 * with `topics.create: false`, only checks that they exist. Throws `ConfigurationError('topics')`
 * naming the topics that are missing or invalid.
 */
export async function ensureKafkaTopics(
  admin: Admin,
  topics: readonly string[],
  options: ResolvedKafkaOptions['topics'],
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
      await admin.createTopics({
        waitForLeaders: true,
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
