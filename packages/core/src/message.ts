/** String headers; every broker can carry them (Kafka headers, AMQP headers, SQS attributes, stream fields). */
export type MessageHeaders = Record<string, string>;

/** A decoded message as a handler sees it. */
export interface Message<T = unknown> {
  /** UUIDv7 by default; kept across retries, dead letters and bridges. */
  readonly id: string;
  readonly topic: string;
  /** Partitioning / ordering key. */
  readonly key?: string;
  readonly headers: Readonly<MessageHeaders>;
  readonly body: T;
  /** Milliseconds since the Unix epoch, set by the publisher. */
  readonly timestamp: number;
}

/**
 * An encoded body: bytes, or text that stands for its UTF-8 bytes. Text is what the JSON codec
 * makes and what text-native brokers (SQS, Redis) carry, so it goes through without a Buffer made
 * and read back per message; a transport that needs bytes calls `payloadBuffer`.
 */
export type Payload = Buffer | string;

/** The payload as bytes (a string payload as its UTF-8 encoding). */
export const payloadBuffer = (payload: Payload): Buffer =>
  typeof payload === 'string' ? Buffer.from(payload) : payload;

/**
 * An upper bound of the payload's size in bytes, without reading a string (UTF-8 takes at most 3
 * bytes per UTF-16 unit): size limits count exactly (`Buffer.byteLength`) only above this bound.
 */
export const payloadBytesAtMost = (payload: Payload): number =>
  typeof payload === 'string' ? payload.length * 3 : payload.length;

/** A message on the wire: what a Transport publishes and delivers. The payload is already encoded. */
export interface TransportMessage {
  readonly id: string;
  readonly topic: string;
  readonly key?: string;
  /** Includes `content-type` and the well-known `polybus-*` headers. */
  readonly headers: MessageHeaders;
  readonly payload: Payload;
  readonly timestamp: number;
}

export type Guarantee = 'at-most-once' | 'at-least-once' | 'exactly-once';

/** Options for one published message. */
export interface PublishOptions {
  key?: string;
  headers?: MessageHeaders;
  /** Deduplication key for exactly-once consumers and brokers with native dedup (SQS FIFO). */
  idempotencyKey?: string;
  /** Override the generated UUIDv7. */
  id?: string;
  /** Publisher-side guarantee. Default: at-least-once (wait for the broker's acknowledgement). */
  guarantee?: Guarantee;
}

/** One entry of `publishBatch`. */
export interface BatchEntry<T = unknown> extends Omit<PublishOptions, 'guarantee'> {
  topic: string;
  body: T;
}

export interface PublishReceipt {
  id: string;
  topic: string;
}
