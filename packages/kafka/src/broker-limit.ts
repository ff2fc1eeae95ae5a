import { ConfigResourceTypes, type Admin } from 'kafkajs';
import type { Logger } from '@polybus/core';

/** Room left in `message.max.bytes` for the record batch's header and each record's framing. */
const BATCH_FRAMING_BYTES = 1024;

/**
 * The largest message the cluster takes, as the transport's `maxMessageBytes`: the first broker's
 * `message.max.bytes` (its record-batch limit) less 1 KiB for the batch's framing, so publish
 * refuses, and dead letters are cut to, what the broker would take, not a fixed 1,000,000.
 *
 * `undefined` when the broker does not say (a failed request, logged at debug with the `current`
 * limit that stays; or a value too small to leave room for framing). Never throws; it does not
 * bound its own time: the caller does.
 */
export async function brokerMessageLimit(
  admin: Admin,
  logger: Logger,
  current: number,
): Promise<number | undefined> {
  try {
    const { brokers } = await admin.describeCluster();
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: ConfigResourceTypes.BROKER,
          name: String(brokers[0]!.nodeId),
          configNames: ['message.max.bytes'],
        },
      ],
    });
    const value = Number(
      resources[0]?.configEntries.find((e) => e.configName === 'message.max.bytes')?.configValue,
    );
    if (!Number.isInteger(value) || value <= BATCH_FRAMING_BYTES) return undefined;
    return value - BATCH_FRAMING_BYTES;
  } catch (error) {
    logger.debug("kafka: the broker's message.max.bytes could not be read; maxMessageBytes stays", {
      maxMessageBytes: current,
      error: (error as Error).message,
    });
    return undefined;
  }
}
