import { ConfigurationError, Headers } from '@polybus/core';
import { type Delivery } from '@polybus/core/transport';
import { createTransportFromUrl, type KafkaTransport } from '../src';
import { recordingLogger } from '@polybus/core/testing';
import {
  BROKERS,
  binding,
  createTopic,
  message,
  rawKafka,
  readAll,
  testTransport,
  unique,
  waitFor,
} from './helpers';

const transports: KafkaTransport[] = [];
function transport(...args: Parameters<typeof testTransport>): KafkaTransport {
  const t = testTransport(...args);
  transports.push(t);
  return t;
}
afterAll(async () => {
  await Promise.all(transports.map((t) => t.close()));
});

async function members(group: string): Promise<string[]> {
  const admin = rawKafka().admin();
  await admin.connect();
  try {
    const { groups } = await admin.describeGroups([group]);
    return groups[0].members.map((m) => m.memberId).sort();
  } finally {
    await admin.disconnect();
  }
}

describe('kafka transport: publishing', () => {
  it.each([
    [0, 'at-most-once'],
    [1, 'at-least-once'],
    [-1, 'at-least-once'],
  ] as const)(
    'acks %i (%s) produces records a plain kafkajs consumer reads with headers intact',
    async (acks, guarantee) => {
      const topic = unique(`acks${acks}`);
      const t = transport({ acks });
      await t.connect();
      await t.ensureTopics([topic]);
      const sent = Array.from({ length: 5 }, (_, n) =>
        message(
          topic,
          { n },
          {
            key: `k${n}`,
            headers: { 'content-type': 'application/json', traceparent: `00-${n}`, 'x-note': 'héllo' },
          },
        ),
      );
      await t.publish(sent, { guarantee });
      const records = await readAll(topic, (r) => r.length >= 5);
      const byId = new Map(records.map((r) => [r.headers![Headers.id]!.toString(), r]));
      for (const m of sent) {
        const r = byId.get(m.id)!;
        expect(r).toBeDefined();
        expect(r.key!.toString()).toBe(m.key);
        expect(r.value!.toString()).toBe(m.payload.toString());
        expect(r.headers!['x-note']!.toString()).toBe('héllo');
        expect(r.headers!.traceparent!.toString()).toBe(m.headers.traceparent);
        // JSON is the default a record without a content type holds: the header is not written.
        expect(r.headers!['content-type']).toBeUndefined();
        expect(Number(r.timestamp)).toBe(m.timestamp);
      }
    },
  );

  it('refuses acks that would weaken the publish guarantee with ConfigurationError naming acks', async () => {
    const topic = unique('acks-refused');
    const leader = transport({ acks: 1 });
    await expect(leader.publish([message(topic, {})], { guarantee: 'exactly-once' })).rejects.toMatchObject({
      field: 'acks',
    });
    expect(() => leader.validateSubscription(binding(topic, { guarantee: 'exactly-once' }))).toThrow(
      ConfigurationError,
    );
    const none = transport({ acks: 0 });
    await expect(none.publish([message(topic, {})], { guarantee: 'at-least-once' })).rejects.toMatchObject({
      field: 'acks',
    });
  });

  it('publishes exactly-once through the idempotent producer', async () => {
    const topic = unique('idem');
    const t = transport();
    await t.ensureTopics([topic]);
    await t.publish(
      Array.from({ length: 20 }, (_, n) => message(topic, { n })),
      { guarantee: 'exactly-once' },
    );
    expect((await readAll(topic, (r) => r.length >= 20, { settleMs: 300 })).length).toBe(20);
  });

  it('ensureTopics creates topics with the configured partitions, leaders elected, or names the missing ones', async () => {
    const topic = unique('ensure');
    await transport({ topics: { partitions: 4 } }).ensureTopics([topic, topic]);
    const admin = rawKafka().admin();
    await admin.connect();
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.disconnect();
    expect(meta.topics[0].partitions).toHaveLength(4);
    expect(meta.topics[0].partitions.every((p) => p.leader >= 0)).toBe(true);
    const missing = unique('missing');
    await expect(transport({ topics: { create: false } }).ensureTopics([topic, missing])).rejects.toThrow(
      missing,
    );
    await expect(transport().ensureTopics(['bad topic!'])).rejects.toMatchObject({ field: 'topics' });
  });
});

describe('kafka transport: made from a URL', () => {
  it("logs through the bus's logger, and ensuring topics that exist logs no warning", async () => {
    const logger = recordingLogger();
    const made = createTransportFromUrl(`kafka://${BROKERS.join(',')}`, { logger });
    const topic = unique('exists');
    try {
      await made.connect();
      await made.ensureTopics!([topic]);
      await made.ensureTopics!([topic]); // CreateTopics answers TOPIC_ALREADY_EXISTS: routine
    } finally {
      await made.close();
    }
    expect(logger.warnings).toEqual([]);
  });
});

describe('kafka transport: consuming', () => {
  it('maps records of raw producers: deterministic id, coordinates, string headers, attempt 1', async () => {
    const topic = unique('raw');
    await createTopic(topic, 1);
    const producer = rawKafka().producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [{ key: 'rk', value: '{"a":1}', headers: { 'x-bin': Buffer.from('bytes') } }],
    });
    await producer.disconnect();
    const seen: Delivery[] = [];
    const t = transport();
    const sub = await t.subscribe(binding(topic), async (d) => {
      seen.push(d);
      await d.ack();
    });
    await waitFor(() => seen.length === 1);
    await sub.close();
    const d = seen[0];
    expect(d.message.id).toBe(`kafka:${topic}:0:0`);
    expect(d.message.key).toBe('rk');
    expect(d.message.headers['x-bin']).toBe('bytes');
    expect(d.coordinates).toEqual({ 'kafka-partition': '0', 'kafka-offset': '0' });
    expect(d.attempt).toBe(1);
  });

  it('nack hands the record over again in place, with the next attempt, without committing past it', async () => {
    const topic = unique('nack');
    await createTopic(topic, 1);
    const t = transport();
    await t.publish(
      [0, 1, 2].map((n) => message(topic, { n })),
      { guarantee: 'at-least-once' },
    );
    const log: string[] = [];
    const group = unique('g');
    const sub = await t.subscribe(binding(topic, { group, concurrency: 1 }), async (d) => {
      const n = (JSON.parse(d.message.payload.toString()) as { n: number }).n;
      log.push(`${n}@${d.attempt}`);
      if (n === 1 && d.attempt < 3) await d.nack({ attempt: d.attempt + 1 });
      else await d.ack();
    });
    await waitFor(() => log.length === 5);
    await sub.close();
    expect(log).toEqual(['0@1', '1@1', '1@2', '1@3', '2@1']);
  });

  it('close ends a delayed in-place redelivery at once: the member leaves, the record stays for the next owner', async () => {
    const topic = unique('nack-close');
    await createTopic(topic, 1);
    const group = unique('g');
    const first = transport();
    await first.publish([message(topic, { n: 1 })], { guarantee: 'at-least-once' });
    const nacked: number[] = [];
    const sub = await first.subscribe(binding(topic, { group }), async (d) => {
      nacked.push(d.attempt);
      await d.nack({ delayMs: 600_000 }); // waits in place: far longer than this test may take
    });
    await waitFor(() => nacked.length === 1);
    await sub.close();
    // The member leaves once the waiting delivery gave its slot back: not after the delay.
    await waitFor(async () => (await members(group)).length === 0, 15_000);
    expect(nacked).toEqual([1]);
    const again: number[] = [];
    const second = transport();
    await second.subscribe(binding(topic, { group }), async (d) => {
      again.push(d.attempt);
      await d.ack();
    });
    await waitFor(() => again.length === 1);
    expect(again).toEqual([1]);
  });

  it('commits only below the lowest unfinished offset: a restart redelivers the unfinished record and what follows it, nothing before', async () => {
    const topic = unique('commit');
    await createTopic(topic, 1);
    const group = unique('g');
    const first = transport();
    await first.publish(
      [0, 1, 2, 3].map((n) => message(topic, { n })),
      { guarantee: 'at-least-once' },
    );
    const held: Delivery[] = [];
    const sub = await first.subscribe(binding(topic, { group }), async (d) => {
      if (d.coordinates['kafka-offset'] !== '1') return d.ack();
      held.push(d);
      await new Promise(() => undefined); // never settled: as if its process died
    });
    await waitFor(() => held.length === 1);
    await new Promise((r) => setTimeout(r, 300)); // let the committer run past the finished records
    await sub.close();
    await first.close();
    const again: string[] = [];
    const second = transport();
    await second.subscribe(binding(topic, { group }), async (d) => {
      again.push(d.coordinates['kafka-offset']);
      await d.ack();
    });
    await waitFor(() => again.length >= 3);
    expect(again.sort()).toEqual(['1', '2', '3']);
  });

  it('keeps heartbeating through a handler slower than the session timeout (no rebalance, one delivery)', async () => {
    const topic = unique('slow');
    await createTopic(topic, 1);
    const t = transport();
    await t.publish([message(topic, { slow: true })], { guarantee: 'at-least-once' });
    const attempts: number[] = [];
    let done = false;
    const group = unique('g');
    await t.subscribe(binding(topic, { group, concurrency: 1 }), async (d) => {
      attempts.push(d.attempt);
      await new Promise((r) => setTimeout(r, 7_500)); // sessionTimeout is 6 s in tests
      await d.ack();
      done = true;
    });
    const before = await members(group);
    await waitFor(() => done, 30_000);
    // A member that missed its heartbeats is evicted and rejoins under a new member id.
    expect(await members(group)).toEqual(before);
    expect(before).toHaveLength(1);
    expect(attempts).toEqual([1]);
  }, 40_000);

  it('a transaction aborted by a raw producer is invisible to the read-committed Polybus consumer', async () => {
    const topic = unique('aborted');
    await createTopic(topic, 1);
    const producer = rawKafka().producer({
      transactionalId: unique('tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: '{"v":"aborted"}' }] });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: '{"v":"committed"}' }] });
    await committed.commit();
    await producer.disconnect();

    const seen: string[] = [];
    await transport().subscribe(binding(topic), async (d) => {
      seen.push(d.message.payload.toString());
      await d.ack();
    });
    await waitFor(() => seen.length >= 1);
    // The aborted record was written (a read-uncommitted reader sees it) but never delivered.
    const raw = await readAll(topic, (r) => r.length >= 2, { readUncommitted: true });
    expect(raw.map((r) => r.value!.toString())).toContain('{"v":"aborted"}');
    expect(seen).toEqual(['{"v":"committed"}']);
  });
});
