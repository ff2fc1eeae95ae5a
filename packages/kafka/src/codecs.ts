import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { ConfigurationError } from '@polybus/core';
import { undecodableBatch } from './undecodable-batch';

/** A kafkajs compression codec. */
interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

/** kafkajs has gzip only; the others come from these packages (optional peer dependencies). */
const PROVIDED: ReadonlyArray<{ type: CompressionTypes; name: string; pkg: string; load(): Codec }> = [
  {
    type: CompressionTypes.Snappy,
    name: 'snappy',
    pkg: 'kafkajs-snappy',
    load: () => (require('kafkajs-snappy') as () => Codec)(),
  },
  {
    type: CompressionTypes.LZ4,
    name: 'lz4',
    pkg: 'lz4js',
    load: () => {
      const lz4 = require('lz4js') as {
        compress(data: Uint8Array): Uint8Array;
        decompress(data: Uint8Array): Uint8Array;
      };
      return {
        compress: async (encoder) => Buffer.from(lz4.compress(encoder.buffer)),
        decompress: async (buffer) => Buffer.from(lz4.decompress(buffer)),
      };
    },
  },
  {
    type: CompressionTypes.ZSTD,
    name: 'zstd',
    pkg: 'fzstd',
    load: () => {
      const zstd = require('fzstd') as { decompress(data: Uint8Array): Uint8Array };
      return {
        compress: async () => {
          throw new ConfigurationError('compression', 'Polybus reads zstd batches but writes gzip only');
        },
        decompress: async (buffer) => Buffer.from(zstd.decompress(buffer)),
      };
    },
  },
];

let registered = false;

/**
 * Registers, once per process, codecs that read every compression Kafka producers write: gzip
 * (kafkajs's own), snappy, lz4 and zstd (from their packages, when installed; a codec the
 * application registered itself is kept). Each is guarded: a batch it cannot decompress, for a
 * missing package or corrupt data, becomes records the core dead-letters with `decode-error`
 * (`undecodableBatch`), instead of a fetch error that stalls the partition forever.
 *
 * kafkajs keeps codecs in one table per process: other kafkajs clients of the process get the
 * same codecs.
 */
export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  const table = CompressionCodecs as Record<number, () => Codec>;
  guard(table, CompressionTypes.GZIP, 'gzip', table[CompressionTypes.GZIP]!());
  for (const codec of PROVIDED) guard(table, codec.type, codec.name, ownOrProvided(table, codec));
}

function ownOrProvided(table: Record<number, () => Codec>, codec: (typeof PROVIDED)[number]): Codec | string {
  try {
    return table[codec.type]!(); // the application registered one
  } catch {
    // kafkajs's placeholder throws "not implemented": provide ours
  }
  try {
    return codec.load();
  } catch {
    return `${codec.name}-compressed batch: install the ${codec.pkg} package to read it (npm install ${codec.pkg})`;
  }
}

function guard(
  table: Record<number, () => Codec>,
  type: CompressionTypes,
  name: string,
  inner: Codec | string,
): void {
  const guarded = guardedCodec(name, inner);
  table[type] = () => guarded;
}

/**
 * `inner` (or, when its package is missing, the message saying which to install) with every
 * decompression failure turned into `undecodableBatch` records.
 */
export function guardedCodec(name: string, inner: Codec | string): Codec {
  const missing = typeof inner === 'string' ? inner : undefined;
  const guarded: Codec = {
    compress: async (encoder) => {
      if (typeof inner === 'string') throw new ConfigurationError('compression', inner);
      return inner.compress(encoder);
    },
    decompress: async (buffer) => {
      try {
        if (typeof inner === 'string') throw new Error(inner);
        return await inner.decompress(buffer);
      } catch (error) {
        const reason = missing ?? `${name} decompression failed: ${(error as Error).message}`;
        const records = undecodableBatch(buffer, name, reason);
        if (records === undefined) throw error;
        return records;
      }
    },
  };
  return guarded;
}
