import type { IHeaders, KafkaMessage } from 'kafkajs';
import { createBus, Headers, PermanentError, silentLogger, type Bus, type Guarantee } from '@polybus/core';
import { ForeignHeaders } from '../src/foreign-record';
import { retryTopicOf } from '../src/wire';
import { createTopic, rawKafka, testTransport, unique, waitFor } from './helpers';

/**
 * Records from a foreign producer (raw kafkajs) that text cannot carry exactly: a key and a header
 * value that are not UTF-8, a header name repeated. The handler gets a documented text form; the
 * copies Polybus writes (dead letter, retry topic) hold the record's bytes again.
 */

const buses: Bus[] = [];
afterEach(async () => {
  await Promise.allSettled(buses.splice(0).map((b) => b.stop({ timeoutMs: 2_000 })));
});

function bus(retryTopics = false): Bus {
  const b = createBus({ transport: testTransport({ retryTopics }), logger: silentLogger });
  buses.push(b);
  return b;
}

/** The foreign record's headers, as raw kafkajs writes and reads them. */
function foreignHeaders(): IHeaders {
  return {
    sig: Buffer.from([0x00, 0xc3, 0x28, 0xff]), // not UTF-8
    hop: ['edge', 'gateway', 'edge'], // one name, three headers
    trace: 'café ✓', // UTF-8
    note: 'base64:/wD+', // UTF-8 text that merely looks like the encoding
  };
}

/** The same headers as a kafkajs consumer reads them: bytes, an array for the repeated name. */
const asRead = (headers: IHeaders): Record<string, Buffer | Buffer[]> =>
  Object.fromEntries(
    Object.entries(headers).map(([name, v]) => [
      name,
      Array.isArray(v) ? v.map((x) => Buffer.from(x)) : Buffer.from(v as Buffer | string),
    ]),
  );

async function produce(topic: string, key: Buffer, headers: IHeaders): Promise<number> {
  const producer = rawKafka().producer();
  await producer.connect();
  try {
    const [meta] = await producer.send({
      topic,
      acks: -1,
      messages: [{ key, value: '{"order":7}', headers, timestamp: '1700000000123' }],
    });
    return meta!.partition;
  } finally {
    await producer.disconnect();
  }
}

interface Located {
  partition: number;
  record: KafkaMessage;
}

/** Every record of `topic` with its partition, read by a plain kafkajs consumer. */
async function readWithPartitions(topic: string, count: number): Promise<Located[]> {
  const consumer = rawKafka().consumer({ groupId: unique('reader'), maxWaitTimeInMs: 200 });
  const got: Located[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => void got.push({ partition, record: message }),
  });
  try {
    await waitFor(() => got.length >= count, 30_000, `${count} record(s) on ${topic}`);
    return got;
  } finally {
    await consumer.disconnect();
  }
}

const userHeaders = (record: KafkaMessage) =>
  Object.fromEntries(Object.entries(record.headers ?? {}).filter(([name]) => !name.startsWith('polybus-')));
const polybusHeaderNames = (record: KafkaMessage) =>
  Object.keys(record.headers ?? {})
    .filter((name) => name.startsWith('polybus-'))
    .sort();
const text = (record: KafkaMessage, name: string) => record.headers?.[name]?.toString();

interface Seen {
  key: string | undefined;
  headers: Record<string, string>;
  attempt: number;
}

/** What a foreign-record test asserts about what the handler saw, however many times. */
function expectForeignView(seen: Seen, keyText: string): void {
  expect(seen.key).toBe(keyText);
  expect(seen.headers.sig).toBe('base64:AMMo/w==');
  expect(seen.headers.hop).toBe('edge'); // the last value, as the Java client's lastHeader
  expect(seen.headers.trace).toBe('café ✓');
  expect(seen.headers.note).toBe('base64:/wD+');
  expect(seen.headers[ForeignHeaders.keyEncoding]).toBe('base64');
  expect(JSON.parse(seen.headers[ForeignHeaders.base64]!)).toEqual(['sig']);
  expect(JSON.parse(seen.headers[ForeignHeaders.values]!)).toEqual({ hop: ['edge', 'gateway', 'edge'] });
}

describe('kafka: records from a foreign producer keep their bytes', () => {
  it.each<Guarantee>(['at-least-once', 'exactly-once'])(
    '%s: a dead letter has the key bytes, header bytes and repeated headers of the original',
    async (guarantee) => {
      const topic = unique('foreign');
      await createTopic(topic, 3);
      const key = Buffer.from([0xff, 0x00, 0xfe]);
      const seen: Seen[] = [];
      const b = bus();
      b.bind(
        topic,
        (m, ctx) => {
          seen.push({ key: m.key, headers: { ...m.headers }, attempt: ctx.attempt });
          throw new PermanentError('refused');
        },
        { group: unique('g'), guarantee },
      );
      await b.start();
      const partition = await produce(topic, key, foreignHeaders());

      const [dead] = await readWithPartitions(`${topic}.dlq`, 1);
      const { record } = dead!;
      expect(record.key).toEqual(key);
      expect(dead!.partition).toBe(partition);
      expect(userHeaders(record)).toEqual(asRead(foreignHeaders()));
      expect(record.value!.toString()).toBe('{"order":7}');
      expect(record.timestamp).toBe('1700000000123');
      // The envelope and the id; none of the marks.
      expect(polybusHeaderNames(record)).toEqual(
        [
          Headers.id,
          Headers.dlqReason,
          Headers.dlqError,
          Headers.dlqSource,
          Headers.dlqGroup,
          Headers.dlqAttempts,
          Headers.dlqFailedAt,
          'polybus-dlq-kafka-partition',
          'polybus-dlq-kafka-offset',
        ].sort(),
      );
      expect(text(record, Headers.id)).toBe(`kafka:${topic}:${partition}:0`);
      expect(text(record, Headers.dlqReason)).toBe('permanent-error');
      expect(text(record, 'polybus-dlq-kafka-partition')).toBe(String(partition));

      expect(seen).toHaveLength(1);
      expectForeignView(seen[0]!, 'base64:/wD+');
      expect(seen[0]!.headers[Headers.id]).toBeUndefined();
    },
    60_000,
  );

  it('a transient failure through the retry topic, then a dead letter: both copies keep the bytes', async () => {
    const topic = unique('foreign-retry');
    await createTopic(topic, 3);
    const group = unique('g');
    // Its base64 text and its U+FFFD-replaced text hash to other partitions than these bytes do.
    const key = Buffer.from([0xff, 0x01, 0xfe]);
    const seen: Seen[] = [];
    const b = bus(true);
    b.bind(
      topic,
      (m, ctx) => {
        seen.push({ key: m.key, headers: { ...m.headers }, attempt: ctx.attempt });
        if (ctx.attempt === 1) throw new Error('transient failure');
        throw new PermanentError('refused on the retry');
      },
      {
        group,
        retry: { maxAttempts: 3, immediateAttempts: 1, initialDelayMs: 200, maxDelayMs: 200, jitter: false },
      },
    );
    await b.start();
    const partition = await produce(topic, key, foreignHeaders());

    const [dead] = await readWithPartitions(`${topic}.dlq`, 1);
    const [retry] = await readWithPartitions(retryTopicOf(topic, group), 1);
    for (const { record, partition: at } of [retry!, dead!]) {
      expect(record.key).toEqual(key);
      expect(at).toBe(partition);
      expect(userHeaders(record)).toEqual(asRead(foreignHeaders()));
      expect(record.timestamp).toBe('1700000000123');
      for (const mark of Object.values(ForeignHeaders)) expect(record.headers![mark]).toBeUndefined();
    }
    expect(text(retry!.record, Headers.attempt)).toBe('2');
    expect(text(dead!.record, Headers.dlqReason)).toBe('permanent-error');
    expect(text(dead!.record, Headers.dlqAttempts)).toBe('2');
    expect(text(dead!.record, Headers.id)).toBe(`kafka:${topic}:${partition}:0`);

    expect(seen.map((s) => s.attempt)).toEqual([1, 2]);
    for (const s of seen) expectForeignView(s, 'base64:/wH+');
  }, 60_000);
});
