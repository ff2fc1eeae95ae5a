import { logLevel, type logCreator } from 'kafkajs';
import type { Logger } from '@polybus/core';

/**
 * Routes kafkajs logs to the Polybus logger. kafkajs reports routine rebalances and reconnects at
 * ERROR level; those go to debug so that a normal group join does not read like an incident. So does
 * the "Topic creation errors" of a CreateTopics for topics that exist: `ensureKafkaTopics` throws a
 * ConfigurationError for any other creation error. And the metadata retries while the broker creates
 * a topic on its first publish (unknown topic, no leader yet): kafkajs retries them, and a publish
 * that still fails rejects with a PublishError. Failed connection attempts too: a connect that
 * gives up rejects with one ConnectionError, and a consumer that crashes is logged by its supervisor.
 */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...fields } = log;
      const text = `kafkajs ${namespace}: ${message}`;
      const routine =
        /rebalanc|Topic creation errors|does not host this topic-partition|no leader for this topic-partition|Connection error|Connection timeout|ECONNREFUSED|Failed to connect to seed broker|not aware of this member|coordinator|disconnected|ECONNRESET|Crash: KafkaJSNonRetriableError: Closed/i.test(
          `${message} ${String(fields.error ?? '')}`,
        );
      if (level === logLevel.ERROR && !routine) logger.warn(text, fields);
      else logger.debug(text, fields);
    };
}
