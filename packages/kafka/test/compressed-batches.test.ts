import { execFile } from 'node:child_process';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { createBus, Headers, silentLogger, type Bus } from '@polybus/core';
import { guardedCodec } from '../src/codecs';
import { BatchHeaders, UNDECODABLE_BATCH } from '../src/undecodable-batch';
import { BROKERS, createTopic, rawKafka, readAll, testTransport, unique, waitFor } from './helpers';

/**
 * Batches written by a foreign producer: Kafka's own console producer (Java, from the jars the
 * brokers script installs), which compresses with the JVM's snappy, lz4 and zstd libraries.
 */
const KAFKA_LIB = join(
  process.env.POLYBUS_BROKERS_HOME ?? join(homedir(), '.cache', 'polybus-brokers'),
  'kafka',
  'lib',
);

async function consoleProduce(topic: string, codec: string, lines: string[]): Promise<void> {
  const child = execFile(
    'java',
    [
      '-cp',
      `${KAFKA_LIB}/*`,
      'kafka.tools.ConsoleProducer',
      '--bootstrap-server',
      BROKERS[0]!,
      '--topic',
      topic,
      '--compression-codec',
      codec,
    ],
    { timeout: 60_000 },
  );
  const exited = promisify((cb: (error: Error | null) => void) =>
    child.once('exit', (code) => cb(code === 0 ? null : new Error(`console producer exited ${code}`))),
  )();
  child.stdin!.end(`${lines.join('\n')}\n`);
  await exited;
}

const buses: Bus[] = [];
afterAll(async () => {
  await Promise.allSettled(buses.map((b) => b.stop({ timeoutMs: 2_000 })));
});

function bind(topic: string, got: unknown[]): Bus {
  const bus = createBus({ transport: testTransport(), logger: silentLogger });
  buses.push(bus);
  bus.bind(topic, async (m) => void got.push(m.body), { group: unique('g') });
  return bus;
}

describe('kafka: compressed batches from a foreign producer', () => {
  it.each(['snappy', 'lz4', 'zstd'])(
    'reads a %s batch',
    async (codec) => {
      const topic = unique(`codec-${codec}`);
      await createTopic(topic, 1);
      await consoleProduce(topic, codec, ['{"n":1}', '{"n":2}', '{"n":3}']);
      const got: unknown[] = [];
      await bind(topic, got).start();
      await waitFor(() => got.length === 3, 30_000);
      expect(got).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    },
    90_000,
  );

  it('a batch it cannot decompress (its codec package missing) becomes one dead letter per record, and the partition goes on', async () => {
    const table = CompressionCodecs as Record<number, () => unknown>;
    const installed = table[CompressionTypes.ZSTD]!;
    // As when fzstd is not installed: the guard has the message instead of a codec.
    const missing = guardedCodec('zstd', 'zstd-compressed batch: install the fzstd package to read it');
    table[CompressionTypes.ZSTD] = () => missing;
    try {
      const topic = unique('codec-missing');
      await createTopic(topic, 1);
      await consoleProduce(topic, 'zstd', ['{"n":1}', '{"n":2}', '{"n":3}']);
      const producer = rawKafka().producer();
      await producer.connect();
      await producer.send({ topic, messages: [{ value: '{"ok":true}' }] }); // uncompressed, after it
      await producer.disconnect();
      const got: unknown[] = [];
      await bind(topic, got).start();
      await waitFor(() => got.length === 1, 30_000);
      expect(got).toEqual([{ ok: true }]);
      const offsetOf = (r: { headers?: Record<string, unknown> }) =>
        Number(String(r.headers![`${Headers.dlqCoordinatePrefix}kafka-offset`]));
      // Letters are written concurrently: in offset order to compare.
      const dead = (await readAll(`${topic}.dlq`, (r) => r.length >= 3, { settleMs: 500 })).sort(
        (a, b) => offsetOf(a) - offsetOf(b),
      );
      expect(dead).toHaveLength(3);
      const header = (i: number, name: string) => dead[i]!.headers![name]?.toString();
      expect(dead.map((_, i) => header(i, `${Headers.dlqCoordinatePrefix}kafka-offset`))).toEqual([
        '0',
        '1',
        '2',
      ]);
      for (let i = 0; i < 3; i++) {
        expect(header(i, Headers.dlqReason)).toBe('decode-error');
        expect(header(i, Headers.contentType)).toBe(UNDECODABLE_BATCH);
        expect(header(i, BatchHeaders.error)).toMatch(/install the fzstd package/);
        expect(header(i, BatchHeaders.records)).toBe('3');
      }
      // The first letter keeps the compressed records: the real codec still reads them.
      const records = await (installed() as { decompress(b: Buffer): Promise<Buffer> }).decompress(
        dead[0]!.value!,
      );
      expect(records.toString()).toContain('{"n":3}');
    } finally {
      table[CompressionTypes.ZSTD] = installed;
    }
  }, 90_000);
});
