import { ConfigurationError, transportFromUrl, type Logger, type Transport } from '@polybus/core';
import type { DeadLetterAccess } from '@polybus/core/transport';
import type { LetterFilter } from './filter';
import { describeLetter, type DeadLetterDetail } from './letter-detail';
import { LetterScan } from './letter-scan';
import { purgeLetters, type PurgeReport } from './purge';
import { PAGE_SIZE } from './removal';
import { replayLetters, type ReplayOptions, type ReplayReport } from './replay';
import { Summary, type DeadLetterListing } from './summary';

/**
 * Operations on dead-letter topics. Every `topic` here is the dead-letter topic itself (by default
 * `${source}.dlq`; see `deadLetterTopicOf`). An unknown topic rejects with the adapter's error
 * (`ConfigurationError` where it can tell), a broker that cannot be reached with `ConnectionError`.
 */
export interface DeadLetterOperations {
  readonly transport: Transport;
  /** Every letter grouped by reason and error fingerprint, largest group first. Changes nothing. */
  list(topic: string): Promise<DeadLetterListing>;
  /** The oldest letter whose id (or broker ref) is `id`; undefined when there is none. Changes nothing. */
  show(topic: string, id: string): Promise<DeadLetterDetail | undefined>;
  /** Publishes matching letters back to their source topics, then removes them (see `replayLetters`). */
  replay(topic: string, options?: ReplayOptions): Promise<ReplayReport>;
  /** Removes matching letters for good; on Kafka only what forms a prefix (see `PurgeReport.kept`). */
  purge(topic: string, filter?: LetterFilter): Promise<PurgeReport>;
  /** Closes the transport when it was made from a URL here; a transport passed in is left to its owner. */
  close(): Promise<void>;
}

export interface DeadLetterOperationsOptions {
  /** The logger of a transport made from a URL (default: the adapter's, warnings to the console). */
  readonly logger?: Logger;
}

/**
 * `deadLetterOperations('kafka://127.0.0.1:9092')` makes the transport with `transportFromUrl` and
 * connects it; pass a `Transport` instead to use one you connected (and will close) yourself. A
 * transport without `deadLetters()` is refused with `ConfigurationError` (field `transport`).
 */
export async function deadLetterOperations(
  transportOrUrl: Transport | string,
  options: DeadLetterOperationsOptions = {},
): Promise<DeadLetterOperations> {
  const owned = typeof transportOrUrl === 'string';
  const transport = owned
    ? transportFromUrl(transportOrUrl, undefined, options.logger ? { logger: options.logger } : {})
    : transportOrUrl;
  if (typeof transport.deadLetters !== 'function')
    throw new ConfigurationError(
      'transport',
      `the ${transport.name} transport gives no access to dead letters (Transport.deadLetters); ` +
        'dead-letter operations work on kafka://, redis://, amqp:// and sqs:// brokers',
    );
  if (owned) await transport.connect();
  let access: DeadLetterAccess;
  try {
    access = transport.deadLetters();
  } catch (error) {
    if (owned) await transport.close().catch(() => undefined);
    throw error;
  }
  const read = async <T>(topic: string, work: (scan: LetterScan) => Promise<T>): Promise<T> => {
    const scan = new LetterScan(access, topic, PAGE_SIZE);
    try {
      return await work(scan);
    } finally {
      await scan.release();
    }
  };
  return {
    transport,
    list: (topic) =>
      read(topic, async (scan) => {
        const summary = new Summary();
        for await (const batch of scan.pages()) batch.letters.forEach((l) => summary.add(l));
        return summary.listing(topic);
      }),
    show: (topic, id) =>
      read(topic, async (scan) => {
        for await (const batch of scan.pages()) {
          const letter = batch.letters.find((l) => l.message.id === id || l.ref === id);
          if (letter) return describeLetter(letter);
        }
        return undefined;
      }),
    replay: (topic, options = {}) => replayLetters(transport, access, topic, options),
    purge: (topic, filter = {}) => purgeLetters(access, topic, filter),
    close: async () => {
      if (owned) await transport.close();
    },
  };
}

/**
 * The dead-letter topic a CLI argument names: itself when it ends in `.dlq` or `exact` is set
 * (a custom `deadLetter` name), else the default dead-letter topic of that source, `${topic}.dlq`.
 */
export function deadLetterTopicOf(topic: string, exact = false): string {
  return exact || topic.endsWith('.dlq') ? topic : `${topic}.dlq`;
}
