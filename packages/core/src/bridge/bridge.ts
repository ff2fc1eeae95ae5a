import { createBus } from '../bus';
import { bytesCodec } from '../codec';
import { ConfigurationError } from '../errors/configuration-error';
import { integerOption } from '../kit/options';
import { PermanentError } from '../errors/permanent-error';
import { Headers } from '../headers';
import { consoleLogger, type Logger } from '../logger';
import type { Message, TransportMessage } from '../message';
import type { SubscribeOptions, Transport } from '../transport';

export interface BridgeOptions {
  /** The old broker. The bridge connects and closes it: give it a transport of its own, not a bus's. */
  readonly from: Transport;
  /** The new broker; also connected and closed by the bridge. */
  readonly to: Transport;
  readonly topics: readonly string[];
  /** The bridge's consumer group on `from`; bridge instances with one group share the work. */
  readonly group: string;
  /** Topic on `to` for a topic of `from`. Default: the same name. */
  readonly mapTopic?: (topic: string) => string;
  /** Messages forwarded at once (per key in order where `from` has per-key ordering). Default 16. */
  readonly concurrency?: number;
  /**
   * Publish attempts per message before it is dead-lettered on `from`. Default: unlimited, so an
   * outage of `to` holds messages on `from` instead of moving them aside.
   */
  readonly maxAttempts?: number;
  /** Backoff between publish attempts. Defaults 200 ms doubling up to 30 s. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Dead-letter topic on `from` for a topic. Default `${topic}.dlq`. */
  readonly deadLetter?: (topic: string) => string;
  readonly logger?: Logger;
}

export interface BridgeStats {
  readonly forwarded: number;
  readonly deadLettered: number;
  readonly publishFailures: number;
}

export interface Bridge {
  readonly stats: BridgeStats;
  /** Stop fetching, let in-flight forwards finish or hand them back (redelivered), close both transports. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Forwards every message of `topics` from one broker to another, at-least-once: a delivery is
 * acked on `from` only after `to` acknowledged the copy. The copy keeps id, key, headers, payload
 * (bytes, never decoded) and timestamp, so an idempotent consumer on the new side applies a message
 * once even when the bridge forwards it twice. `polybus-attempt` is dropped: it counts deliveries
 * on the old broker, not on the new one.
 *
 * It is an ordinary at-least-once binding on `from` (the bus's retry, backoff, dead letter and
 * drain), whose handler publishes the raw copy to `to`. A message larger than
 * `to.capabilities.maxMessageBytes` can never be forwarded: it is a permanent error, dead-lettered
 * on `from` at once instead of blocking its key.
 */
export async function bridge(options: BridgeOptions): Promise<Bridge> {
  const config = validate(options);
  const { from, to, logger } = config;
  let forwarded = 0;
  let publishFailures = 0;
  const limit = to.capabilities.maxMessageBytes;

  const forward = async (message: Message<Buffer>): Promise<void> => {
    const copy = forwardedCopy(message, config.mapTopic(message.topic));
    if (limit !== undefined && encodedSize(copy) > limit)
      throw new PermanentError(`${encodedSize(copy)} bytes exceed ${to.name}'s limit of ${limit}`);
    try {
      await to.publish([copy], { guarantee: 'at-least-once' });
    } catch (error) {
      publishFailures++;
      logger.warn('bridge: publish to the new broker failed', { id: message.id, topic: copy.topic, error });
      throw error;
    }
    forwarded++;
  };

  const bus = createBus({ transport: from, logger });
  for (const topic of config.topics)
    bus.bind<Buffer>(topic, forward, {
      group: config.group,
      codec: bytesCodec,
      concurrency: config.concurrency,
      ordering: keyOrderFor(from, topic, config.group),
      deadLetter: config.deadLetter(topic),
      retry: {
        maxAttempts: config.maxAttempts,
        initialDelayMs: config.initialDelayMs,
        maxDelayMs: config.maxDelayMs,
        multiplier: 2,
        jitter: false,
      },
    });

  await to.connect();
  try {
    await to.ensureTopics?.(config.topics.map(config.mapTopic));
    await bus.start();
  } catch (error) {
    await Promise.allSettled([bus.stop({ timeoutMs: 0 }), to.close()]);
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    get stats(): BridgeStats {
      const deadLettered = bus.stats().reduce((sum, b) => sum + b.counters.deadLettered, 0);
      return { forwarded, deadLettered, publishFailures };
    },
    stop: () => (stopped ??= bus.stop().finally(() => to.close())),
  };
}

/** Per-key order where the old broker keeps it for this topic (not e.g. on an SQS standard queue). */
function keyOrderFor(from: Transport, topic: string, group: string): 'none' | 'per-key' {
  if (!from.capabilities.perKeyOrdering) return 'none';
  const ordered: SubscribeOptions = {
    topic,
    group,
    guarantee: 'at-least-once',
    concurrency: 1,
    ordering: 'per-key',
    deadLetterTopic: `${topic}.dlq`,
    maxAttempts: 1,
    idempotent: false,
  };
  try {
    from.validateSubscription?.(ordered, []);
    return 'per-key';
  } catch {
    return 'none'; // this topic cannot be consumed in key order here; forward it as it is consumed today
  }
}

function forwardedCopy(message: Message<Buffer>, topic: string): TransportMessage {
  const { [Headers.attempt]: _attempt, ...headers } = message.headers;
  return {
    id: message.id,
    topic,
    key: message.key,
    headers,
    payload: message.body,
    timestamp: message.timestamp,
  };
}

function encodedSize(message: TransportMessage): number {
  let size = Buffer.byteLength(message.payload) + Buffer.byteLength(message.key ?? '');
  for (const [name, value] of Object.entries(message.headers))
    size += Buffer.byteLength(name) + Buffer.byteLength(value);
  return size;
}

interface BridgeConfig {
  readonly from: Transport;
  readonly to: Transport;
  readonly topics: readonly string[];
  readonly group: string;
  readonly mapTopic: (topic: string) => string;
  readonly concurrency: number;
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly deadLetter: (topic: string) => string;
  readonly logger: Logger;
}

function validate(o: BridgeOptions): BridgeConfig {
  const isTransport = (t: unknown): t is Transport =>
    typeof t === 'object' &&
    t !== null &&
    typeof (t as Transport).publish === 'function' &&
    typeof (t as Transport).subscribe === 'function';
  if (!isTransport(o.from))
    throw new ConfigurationError('from', 'must be a Transport (e.g. rabbitmqTransport(...))');
  if (!isTransport(o.to))
    throw new ConfigurationError('to', 'must be a Transport (e.g. kafkaTransport(...))');
  if (
    !Array.isArray(o.topics) ||
    o.topics.length === 0 ||
    o.topics.some((t) => typeof t !== 'string' || t === '')
  )
    throw new ConfigurationError('topics', 'must be a non-empty array of topic names');
  if (typeof o.group !== 'string' || o.group === '')
    throw new ConfigurationError('group', 'must be a non-empty string');
  const mapTopic = o.mapTopic ?? ((topic: string) => topic);
  if (typeof mapTopic !== 'function') throw new ConfigurationError('mapTopic', 'must be a function');
  if (o.from === o.to && o.topics.some((t) => mapTopic(t) === t))
    throw new ConfigurationError(
      'to',
      'is the same transport as `from` with the same topic: the bridge would forward to itself',
    );
  const initialDelayMs = integerOption('initialDelayMs', o.initialDelayMs, 200);
  const maxDelayMs = integerOption('maxDelayMs', o.maxDelayMs, 30_000);
  if (maxDelayMs < initialDelayMs)
    throw new ConfigurationError('maxDelayMs', 'must be at least initialDelayMs');
  if (o.deadLetter !== undefined && typeof o.deadLetter !== 'function')
    throw new ConfigurationError('deadLetter', 'must be a function from topic to dead-letter topic');
  const maxAttempts =
    o.maxAttempts === Infinity ? Infinity : integerOption('maxAttempts', o.maxAttempts, Infinity);
  return {
    from: o.from,
    to: o.to,
    topics: [...o.topics],
    group: o.group,
    mapTopic,
    concurrency: integerOption('concurrency', o.concurrency, 16),
    // The retry policy counts in integers: "unlimited" is the largest safe one.
    maxAttempts: Number.isFinite(maxAttempts) ? maxAttempts : Number.MAX_SAFE_INTEGER,
    initialDelayMs,
    maxDelayMs,
    deadLetter: o.deadLetter ?? ((topic) => `${topic}.dlq`),
    logger: o.logger ?? consoleLogger,
  };
}
