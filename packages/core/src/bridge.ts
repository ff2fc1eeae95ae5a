import { ConfigurationError } from './errors/configuration-error';
import { Headers } from './headers';
import { consoleLogger, type Logger } from './logger';
import type { MessageHeaders, TransportMessage } from './message';
import type { Delivery, SubscribeOptions, Subscription, Transport } from './transport';

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
  /** Stop fetching, let in-flight forwards finish or leave them unsettled (redelivered), close both transports. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Forwards every message of `topics` from one broker to another, at-least-once: a delivery is
 * acked on `from` only after `to` acknowledged the copy. The copy keeps id, key, headers, payload
 * (bytes, never decoded) and timestamp, so an idempotent consumer on the new side applies a message
 * once even when the bridge forwards it twice. `polybus-attempt` is dropped: it counts deliveries
 * on the old broker, not on the new one.
 *
 * A message larger than `to.capabilities.maxMessageBytes` can never be forwarded: it is
 * dead-lettered on `from` at once (reason `permanent-error`) instead of blocking its key.
 */
export async function bridge(options: BridgeOptions): Promise<Bridge> {
  const config = validate(options);
  const { from, to, group, logger } = config;
  const stats = { forwarded: 0, deadLettered: 0, publishFailures: 0 };
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const subscriptions: Subscription[] = [];

  const forward = async (delivery: Delivery): Promise<void> => {
    const source = delivery.message;
    const copy = forwardedCopy(source, config.mapTopic(source.topic));
    const limit = to.capabilities.maxMessageBytes;
    if (limit !== undefined && encodedSize(copy) > limit) {
      await deadLetter(
        delivery,
        'permanent-error',
        `${encodedSize(copy)} bytes exceed ${to.name}'s limit of ${limit}`,
        1,
      );
      return;
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await to.publish([copy], { guarantee: 'at-least-once' });
        await delivery.ack();
        stats.forwarded++;
        return;
      } catch (error) {
        stats.publishFailures++;
        const reason = error instanceof Error ? error.message : String(error);
        logger.warn('bridge: publish to the new broker failed', {
          id: source.id,
          topic: copy.topic,
          attempt,
          reason,
        });
        if (attempt >= config.maxAttempts) return deadLetter(delivery, 'max-attempts', reason, attempt);
        const delayMs = Math.min(config.initialDelayMs * 2 ** (attempt - 1), config.maxDelayMs);
        if (!(await sleep(delayMs, stopping.signal))) return delivery.nack({ attempt: delivery.attempt + 1 });
      }
    }
  };

  const deadLetter = async (
    delivery: Delivery,
    reason: string,
    error: string,
    attempts: number,
  ): Promise<void> => {
    const source = delivery.message;
    const topic = config.deadLetter(source.topic);
    const headers: MessageHeaders = {
      [Headers.dlqReason]: reason,
      [Headers.dlqError]: error.slice(0, 1000),
      [Headers.dlqSource]: source.topic,
      [Headers.dlqGroup]: group,
      [Headers.dlqAttempts]: String(attempts),
      [Headers.dlqFailedAt]: new Date().toISOString(),
    };
    for (const [name, value] of Object.entries(delivery.coordinates))
      headers[Headers.dlqCoordinatePrefix + name] = value;
    if (delivery.deadLetter) await delivery.deadLetter(topic, headers);
    else {
      await from.publish([{ ...source, topic, headers: { ...source.headers, ...headers } }], {
        guarantee: 'at-least-once',
      });
      await delivery.ack();
    }
    stats.deadLettered++;
    logger.error('bridge: message dead-lettered on the old broker', { id: source.id, topic, reason, error });
  };

  const handler = (delivery: Delivery): Promise<void> => {
    const work = forward(delivery).catch(async (error: unknown) => {
      // Settling itself failed (old broker gone): leave the delivery to the broker's redelivery.
      logger.error('bridge: could not settle a delivery', { id: delivery.message.id, error: String(error) });
      await delivery.nack().catch(() => undefined);
    });
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work));
    return work;
  };

  await from.connect();
  await to.connect();
  try {
    await to.ensureTopics?.(config.topics.map(config.mapTopic));
    await from.ensureTopics?.(config.topics);
    for (const topic of config.topics)
      subscriptions.push(await from.subscribe(subscribeOptions(config, topic), handler));
  } catch (error) {
    await Promise.allSettled(subscriptions.map((s) => s.close()));
    await Promise.allSettled([from.close(), to.close()]);
    throw error;
  }

  let stopped: Promise<void> | undefined;
  return {
    stats,
    stop: () =>
      (stopped ??= (async () => {
        await Promise.allSettled(subscriptions.map((s) => s.close()));
        stopping.abort();
        await Promise.allSettled([...inFlight]);
        await Promise.allSettled([from.close(), to.close()]);
      })()),
  };
}

/** Per-key order where the old broker keeps it for this topic (not e.g. on an SQS standard queue). */
function subscribeOptions(config: BridgeConfig, topic: string): SubscribeOptions {
  const { from } = config;
  const unordered: SubscribeOptions = {
    topic,
    group: config.group,
    guarantee: 'at-least-once',
    concurrency: config.concurrency,
    ordering: 'none',
    deadLetterTopic: config.deadLetter(topic),
    maxAttempts: Number.isFinite(config.maxAttempts) ? config.maxAttempts : Number.MAX_SAFE_INTEGER,
    idempotent: false,
  };
  if (from.capabilities.perKeyOrdering) {
    const ordered: SubscribeOptions = { ...unordered, ordering: 'per-key' };
    try {
      from.validateSubscription?.(ordered, []);
      return ordered;
    } catch {
      // This topic cannot be consumed in key order here; forward it unordered, as it is consumed today.
    }
  }
  from.validateSubscription?.(unordered, []);
  return unordered;
}

function forwardedCopy(source: TransportMessage, topic: string): TransportMessage {
  const { [Headers.attempt]: _attempt, ...headers } = source.headers;
  return {
    id: source.id,
    topic,
    key: source.key,
    headers,
    payload: source.payload,
    timestamp: source.timestamp,
  };
}

function encodedSize(message: TransportMessage): number {
  let size = message.payload.length + Buffer.byteLength(message.key ?? '');
  for (const [name, value] of Object.entries(message.headers))
    size += Buffer.byteLength(name) + Buffer.byteLength(value);
  return size;
}

/** Resolves true after `ms`, false at once when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (slept: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(slept);
    };
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort);
  });
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
  const positiveInt = (
    field: string,
    value: number | undefined,
    fallback: number,
    unlimited = false,
  ): number => {
    if (value === undefined) return fallback;
    if (!(Number.isInteger(value) || (unlimited && value === Infinity)) || value < 1)
      throw new ConfigurationError(field, `must be a positive integer, got ${String(value)}`);
    return value;
  };
  const initialDelayMs = positiveInt('initialDelayMs', o.initialDelayMs, 200);
  const maxDelayMs = positiveInt('maxDelayMs', o.maxDelayMs, 30_000);
  if (maxDelayMs < initialDelayMs)
    throw new ConfigurationError('maxDelayMs', 'must be at least initialDelayMs');
  if (o.deadLetter !== undefined && typeof o.deadLetter !== 'function')
    throw new ConfigurationError('deadLetter', 'must be a function from topic to dead-letter topic');
  return {
    from: o.from,
    to: o.to,
    topics: [...o.topics],
    group: o.group,
    mapTopic,
    concurrency: positiveInt('concurrency', o.concurrency, 16),
    maxAttempts: positiveInt('maxAttempts', o.maxAttempts, Infinity, true),
    initialDelayMs,
    maxDelayMs,
    deadLetter: o.deadLetter ?? ((topic) => `${topic}.dlq`),
    logger: o.logger ?? consoleLogger,
  };
}
