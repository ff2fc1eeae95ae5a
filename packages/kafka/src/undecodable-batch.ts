import type { MessageHeaders } from '@polybus/core';

// kafkajs internals (kafkajs is pinned to 2.2.4): the record encoder and the CRC-32C of
// RecordBatch v2. Plain requires: the package declares no types for them.
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: {
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: MessageHeaders;
}) => { buffer: Buffer };
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;

/** The content type of a record Polybus could not read out of its batch: every codec refuses it. */
export const UNDECODABLE_BATCH = 'application/vnd.polybus.undecodable-kafka-batch';

/** Headers of such a record; the dead letter keeps them. */
export const BatchHeaders = {
  /** The batch's compression: `gzip`, `snappy`, `lz4` or `zstd`. */
  codec: 'polybus-kafka-batch-codec',
  /** Why it could not be read, e.g. which package to install. */
  error: 'polybus-kafka-batch-error',
  /** The batch's first offset: the record there carries the compressed records as its value. */
  firstOffset: 'polybus-kafka-batch-first-offset',
  /** How many records the batch holds. */
  records: 'polybus-kafka-batch-records',
} as const;

/** RecordBatch v2 header: firstOffset 8, length 4, epoch 4, magic 1, crc 4, attributes 2, ... count 4. */
const HEADER_BYTES = 61;
const CRC_AT = 17;
const ATTRIBUTES_AT = 21;
const LAST_OFFSET_DELTA_AT = 23;
const COUNT_AT = 57;

/**
 * What a codec returns for compressed records it cannot decompress (a codec package missing,
 * corrupt data), so the batch is read instead of failing the fetch, which kafkajs would retry
 * forever while the partition stalls: one record per record of the batch, at its offsets, each
 * with `content-type: UNDECODABLE_BATCH` (no codec reads it: the core dead-letters each with
 * `decode-error`), the first one carrying the compressed bytes.
 *
 * kafkajs hands a codec only the compressed bytes, a view into the fetched batch: the batch header
 * is read from the bytes in front of them, and used only if its length and CRC-32C match, so a
 * buffer that is not such a view is never misread. Undefined then: the caller rethrows.
 */
export function undecodableBatch(compressed: Buffer, codec: string, reason: string): Buffer | undefined {
  if (compressed.byteOffset < HEADER_BYTES) return undefined;
  const batch = Buffer.from(
    compressed.buffer,
    compressed.byteOffset - HEADER_BYTES,
    HEADER_BYTES + compressed.length,
  );
  if (batch.readInt32BE(8) + 12 !== batch.length) return undefined;
  if (crc32C(batch.subarray(ATTRIBUTES_AT)) !== batch.readUInt32BE(CRC_AT)) return undefined;
  const count = batch.readInt32BE(COUNT_AT);
  const lastOffsetDelta = batch.readInt32BE(LAST_OFFSET_DELTA_AT);
  if (count <= 0 || lastOffsetDelta < count - 1) return undefined;
  const firstOffset = batch.readBigInt64BE(0).toString();
  const headers: MessageHeaders = {
    'content-type': UNDECODABLE_BATCH,
    [BatchHeaders.codec]: codec,
    [BatchHeaders.error]: reason,
    [BatchHeaders.firstOffset]: firstOffset,
    [BatchHeaders.records]: String(count),
  };
  const records: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    records.push(
      encodeRecord({
        offsetDelta: i === count - 1 ? lastOffsetDelta : i,
        key: null,
        value: i === 0 ? Buffer.from(compressed) : null,
        headers,
      }).buffer,
    );
  }
  return Buffer.concat(records);
}
