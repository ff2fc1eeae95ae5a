import { ConfigurationError } from './errors/configuration-error';
import { integerOption, optionNames, rejectUnknownOptions } from './kit/options';
import { payloadBytesAtMost, type Guarantee, type TransportMessage } from './message';
import type { Transport } from './transport';

/** How `bus.publish` calls are gathered into transport batches (`BusOptions.batching`). */
export interface BatchingOptions {
  /**
   * How long a batch stays open for more calls after its first one, in ms. Default 0: the calls
   * made in the same event-loop turn (a `Promise.all` over `publish`, concurrent handlers) go out
   * together and nothing waits for a timer. librdkafka's `linger.ms`.
   */
  readonly lingerMs?: number;
  /** Most messages per batch (default 1000); a full batch goes out at once. */
  readonly maxMessages?: number;
}

/** Bytes counted per message beyond its payload: headers and the broker's framing, roughly. */
const OVERHEAD_BYTES = 256;
/** Cap on a batch's bytes when the transport declares no message limit. */
const DEFAULT_MAX_BYTES = 1_048_576;

interface Batch {
  readonly topic: string;
  readonly guarantee: Guarantee;
  readonly messages: TransportMessage[];
  bytes: number;
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Gathers concurrent `publish` calls into one `Transport.publish` per topic and guarantee: one
 * Kafka produce request, one Redis pipeline, one confirm window, SendMessageBatch calls on SQS.
 *
 * Contract:
 * - Messages go out in call order, and one batch per topic and guarantee is in flight at a time,
 *   so order per key holds across batches too (a burst larger than one batch keeps its order, even
 *   when the client retries a request).
 * - A batch holds at most `maxMessages` messages and about the transport's `maxMessageBytes` (so
 *   a batch that the broker counts as one record batch, as Kafka does per partition, fits where
 *   each of its messages fits); a full batch goes out at once.
 * - Every call in a batch settles with the batch's outcome: resolved when the transport resolved
 *   it, rejected with the transport's error otherwise. Per-message refusals that the bus can see
 *   before sending (encoding, size) reject only their own call: they never join a batch.
 */
export class PublishBatcher {
  private readonly open = new Map<string, Batch>();
  /** The batch in flight per topic and guarantee: the next one goes out once it settled. */
  private readonly sending = new Map<string, Promise<void>>();
  private readonly maxMessages: number;
  private readonly maxBytes: number;
  private timer: ReturnType<typeof setImmediate> | ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly options: { readonly lingerMs: number; readonly maxMessages: number },
  ) {
    this.maxMessages = options.maxMessages;
    this.maxBytes = transport.capabilities.maxMessageBytes ?? DEFAULT_MAX_BYTES;
  }

  /** Queues `message`; resolves or rejects with the outcome of the batch it goes out in. */
  publish(message: TransportMessage, guarantee: Guarantee): Promise<void> {
    const bytes = payloadBytesAtMost(message.payload) + OVERHEAD_BYTES;
    const id = guarantee + '\0' + message.topic;
    let batch = this.open.get(id);
    if (batch !== undefined && batch.bytes + bytes > this.maxBytes) {
      this.send(id, batch);
      batch = undefined;
    }
    if (batch === undefined) {
      batch = openBatch(message.topic, guarantee);
      this.open.set(id, batch);
      this.timer ??= this.schedule();
    }
    batch.messages.push(message);
    batch.bytes += bytes;
    const done = batch.done;
    if (batch.messages.length >= this.maxMessages) this.send(id, batch);
    return done;
  }

  private schedule() {
    const flush = () => {
      this.timer = undefined;
      for (const [id, batch] of this.open) this.send(id, batch);
    };
    return this.options.lingerMs > 0 ? setTimeout(flush, this.options.lingerMs) : setImmediate(flush);
  }

  private send(id: string, batch: Batch): void {
    this.open.delete(id);
    const before = this.sending.get(id);
    const sent = before === undefined ? this.sendNow(batch) : before.then(() => this.sendNow(batch));
    const settled = sent.then(batch.resolve, batch.reject);
    this.sending.set(id, settled);
    void settled.then(() => {
      if (this.sending.get(id) === settled) this.sending.delete(id);
    });
  }

  private sendNow(batch: Batch): Promise<void> {
    try {
      return this.transport.publish(batch.messages, { guarantee: batch.guarantee });
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

function openBatch(topic: string, guarantee: Guarantee): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<void>((yes, no) => ((resolve = yes), (reject = no)));
  return { topic, guarantee, messages: [], bytes: 0, done, resolve, reject };
}

const BATCHING_OPTIONS = optionNames<BatchingOptions>({ lingerMs: true, maxMessages: true });

/** `createBus({ batching })` checked, with its defaults: `{ lingerMs: 0, maxMessages: 1000 }`, or false. */
export function resolveBatching(
  options: BatchingOptions | false | undefined,
): Required<BatchingOptions> | false {
  if (options === false) return false;
  if (options !== undefined && (typeof options !== 'object' || options === null))
    throw new ConfigurationError('batching', 'must be false or { lingerMs?, maxMessages? }');
  rejectUnknownOptions(options ?? {}, BATCHING_OPTIONS, 'batching.');
  return {
    lingerMs: integerOption('batching.lingerMs', options?.lingerMs, 0, { min: 0, max: 1000 }),
    maxMessages: integerOption('batching.maxMessages', options?.maxMessages, 1000, { min: 1 }),
  };
}
