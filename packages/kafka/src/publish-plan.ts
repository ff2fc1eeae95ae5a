import { ConfigurationError, type Guarantee } from '@polybus/core';
import type { KafkaAcks } from './options';

/**
 * Which producer carries a publish: `fire` (no retries, for at-most-once), `reliable` (retries)
 * or `idempotent` (Kafka's idempotent producer: retries without duplicates).
 */
export type ProducerRole = 'fire' | 'reliable' | 'idempotent';

export interface PublishPlan {
  readonly role: ProducerRole;
  readonly acks: KafkaAcks;
}

/**
 * Maps a publish guarantee (and the transport's explicit `acks`, if any) to producer settings.
 * Throws `ConfigurationError('acks')` for combinations that would weaken the guarantee or that Kafka
 * refuses (idempotence needs acks=all).
 */
export function planPublish(guarantee: Guarantee, acks: KafkaAcks | undefined): PublishPlan {
  switch (guarantee) {
    case 'at-most-once':
      return { role: 'fire', acks: acks ?? 0 };
    case 'at-least-once':
      if (acks === 0) {
        throw new ConfigurationError(
          'acks',
          'acks 0 gets no acknowledgement from the broker; at-least-once publishes need acks 1 or -1',
        );
      }
      return { role: 'reliable', acks: acks ?? -1 };
    case 'exactly-once':
      if (acks !== undefined && acks !== -1) {
        throw new ConfigurationError(
          'acks',
          `exactly-once uses the idempotent producer, which Kafka allows only with acks -1 (all), got ${acks}`,
        );
      }
      return { role: 'idempotent', acks: -1 };
    default:
      throw new ConfigurationError('guarantee', `unknown guarantee ${JSON.stringify(guarantee)}`);
  }
}
