import { silentLogger, type Transport } from '@polybus/core';
import { payloadBuffer, type Delivery } from '@polybus/core/transport';
import type Redis from 'ioredis';
import { redisStreamsTransport } from '../src/transport';
import {
  collector,
  message,
  rawClient,
  readStream,
  REDIS_URL,
  subscribeOptions,
  unique,
  waitUntil,
} from './helpers';

describe('redisStreamsTransport against Redis', () => {
  let raw: Redis;
  const transports: Transport[] = [];
  const streams: string[] = [];

  const open = async (
    options: Partial<Parameters<typeof redisStreamsTransport>[0]> = {},
  ): Promise<Transport> => {
    const transport = redisStreamsTransport({
      url: REDIS_URL,
      claimIdleMs: 1_000,
      blockMs: 200,
      logger: silentLogger,
      ...options,
    });
    await transport.connect();
    transports.push(transport);
    return transport;
  };
  const topic = (): string => {
    const name = unique('rs-transport');
    streams.push(name, `${name}.dlq`);
    return name;
  };

  beforeAll(() => {
    raw = rawClient();
  });
  afterAll(async () => {
    await Promise.all(transports.map((t) => t.close()));
    if (streams.length) await raw.del(...streams);
    raw.disconnect();
  });

  it('round-trips id, key, headers, payload and timestamp; attempt 1 and the entry id as coordinates', async () => {
    const t = await open();
    const name = topic();
    const sent = message(
      name,
      { n: 1 },
      { key: 'k-1', headers: { 'content-type': 'application/json', 'x-a': 'b' } },
    );
    await t.publish([sent], { guarantee: 'at-least-once' });
    const c = collector();
    await t.subscribe(subscribeOptions(name, 'g'), c.handler);
    const d = await waitUntil(() => c.deliveries[0]);
    // `polybus-id` travels once, as the `id` field, and comes back as a header on every delivery.
    expect(d.message).toEqual({ ...sent, headers: { ...sent.headers, 'polybus-id': sent.id } });
    expect(d.attempt).toBe(1);
    const [entry] = await readStream(raw, name);
    expect(d.coordinates).toEqual({ 'stream-entry-id': entry!.entryId });
    await waitUntil(async () => (await raw.xpending(name, 'g'))[0] === 0, 5_000, 'ack');
  });

  it('writes plain string fields any client can read with XRANGE', async () => {
    const t = await open({ maxLen: 1000 });
    const name = topic();
    const sent = message(name, { hello: 'world' }, { key: 'order-7' });
    const withId = { ...sent, headers: { ...sent.headers, 'polybus-id': sent.id } };
    await t.publish([withId], { guarantee: 'at-least-once' });
    const [entry] = await readStream(raw, name);
    expect(entry).toEqual({
      entryId: expect.stringMatching(/^\d+-\d+$/),
      id: sent.id,
      key: 'order-7',
      timestamp: String(sent.timestamp),
      // The id is written once, in `id`: `headers` does not repeat it as `polybus-id`.
      headers: JSON.stringify(sent.headers),
      body: '{"hello":"world"}',
    });
  });

  it('keeps binary payloads byte for byte', async () => {
    const t = await open();
    const name = topic();
    const payload = Buffer.from([0, 255, 1, 254, 0x80, 10, 13]);
    await t.publish(
      [message(name, null, { payload, headers: { 'content-type': 'application/octet-stream' } })],
      {
        guarantee: 'at-least-once',
      },
    );
    const c = collector();
    await t.subscribe(subscribeOptions(name, 'g'), c.handler);
    const d = await waitUntil(() => c.deliveries[0]);
    expect(payloadBuffer(d.message.payload).equals(payload)).toBe(true);
  });

  it('keeps bytes that are not UTF-8 anywhere in a raw entry, and text that holds U+FFFD, exactly', async () => {
    const t = await open();
    const name = topic();
    const field = Buffer.from([0x78, 0xff, 0x2d, 0x6e]); // "x\xff-n": a header name that is not UTF-8
    const value = Buffer.from([0xc3, 0x28, 0x41]); // an invalid two-byte sequence, then "A"
    const body = Buffer.from([0x7b, 0x22, 0x62, 0x22, 0x3a, 0xfe, 0x7d]); // {"b":<0xfe>}
    await raw.xadd(name, '*', 'id', 'raw-1', field, value, 'body', body);
    await raw.xadd(name, '*', 'id', 'raw-2', 'body', '{"t":"\uFFFD real replacement character"}');
    const c = collector();
    await t.subscribe(subscribeOptions(name, 'g'), c.handler);
    await waitUntil(() => c.deliveries.length === 2 || undefined);
    // A foreign entry's `id` field is a header, not its id (see decodeEntry).
    const [first, second] = [...c.deliveries].sort((a, b) =>
      a.message.headers.id!.localeCompare(b.message.headers.id!),
    );
    expect(first!.message.headers.id).toBe('raw-1');
    expect(first!.message.id).toMatch(/^redis:/);
    expect(payloadBuffer(first!.message.payload).equals(body)).toBe(true);
    // A value that is not UTF-8 is `base64:` and its bytes, listed as such; names are read as UTF-8 text.
    expect(first!.message.headers[field.toString('utf8')]).toBe(`base64:${value.toString('base64')}`);
    expect(first!.message.headers['polybus-redis-binary']).toBe(JSON.stringify([field.toString('utf8')]));
    expect(second!.message.payload.toString('utf8')).toBe('{"t":"\uFFFD real replacement character"}');
  });

  it('nack({ delayMs }) keeps the entry pending and redelivers it after the delay with the next attempt', async () => {
    const t = await open({ claimIdleMs: 60_000 });
    const name = topic();
    await t.publish([message(name, { n: 1 })], { guarantee: 'at-least-once' });
    const seenAt: number[] = [];
    const c = collector(async (d) => {
      seenAt.push(Date.now());
      if (d.attempt < 3) await d.nack({ delayMs: 300, attempt: d.attempt + 1 });
      else await d.ack();
    });
    await t.subscribe(subscribeOptions(name, 'g'), c.handler);
    await waitUntil(() => c.deliveries.length === 3);
    expect(c.deliveries.map((d) => d.attempt)).toEqual([1, 2, 3]);
    expect(seenAt[1]! - seenAt[0]!).toBeGreaterThanOrEqual(290);
    expect(c.deliveries[2]!.message.id).toBe(c.deliveries[0]!.message.id);
    await waitUntil(async () => (await raw.xpending(name, 'g'))[0] === 0, 5_000, 'ack');
  });

  it('the group delivery count follows the attempts, so another member sees them after a crash', async () => {
    const t = await open({ claimIdleMs: 60_000 });
    const name = topic();
    await t.publish([message(name, { n: 1 })], { guarantee: 'at-least-once' });
    const c = collector(async (d) => (d.attempt === 1 ? d.nack({ delayMs: 0, attempt: 4 }) : undefined));
    await t.subscribe(subscribeOptions(name, 'g'), c.handler);
    await waitUntil(() => c.deliveries.length === 2);
    expect(c.deliveries[1]!.attempt).toBe(4);
    const [[, , , count]] = (await raw.xpending(name, 'g', '-', '+', 10)) as [
      [string, string, number, number],
    ];
    expect(count).toBe(4);
  });

  it('deadLetter writes the copy with merged headers and acks the original', async () => {
    const t = await open();
    const name = topic();
    const sent = message(name, { bad: true }, { key: 'k' });
    await t.publish([sent], { guarantee: 'at-least-once' });
    const c = collector((d) => d.deadLetter!(`${name}.dlq`, { 'polybus-dlq-reason': 'permanent-error' }));
    await t.subscribe(subscribeOptions(name, 'g'), c.handler);
    const [dead] = await waitUntil(async () => {
      const entries = await readStream(raw, `${name}.dlq`);
      return entries.length > 0 ? entries : undefined;
    });
    expect(dead).toMatchObject({ id: sent.id, key: 'k', body: '{"bad":true}' });
    expect(JSON.parse(dead!.headers!)).toEqual({ ...sent.headers, 'polybus-dlq-reason': 'permanent-error' });
    expect((await raw.xpending(name, 'g'))[0]).toBe(0);
  });

  it('delivers an entry written raw with other field names: deterministic id, fields as headers, empty body', async () => {
    const t = await open();
    const name = topic();
    const entryId = await raw.xadd(name, '*', 'orderId', '42', 'note', 'from redis-cli');
    const c = collector();
    await t.subscribe(subscribeOptions(name, 'g'), c.handler);
    const d = await waitUntil(() => c.deliveries[0]);
    expect(d.message.id).toBe(`redis:${name}:${entryId}`);
    expect(d.message.headers).toEqual({ orderId: '42', note: 'from redis-cli' });
    expect(d.message.payload.length).toBe(0);
    expect(d.message.timestamp).toBe(Number(entryId!.split('-')[0]));
  });

  it('never hands over more than `concurrency` unsettled deliveries', async () => {
    const t = await open();
    const name = topic();
    await t.publish(
      Array.from({ length: 40 }, (_, i) => message(name, { i })),
      { guarantee: 'at-least-once' },
    );
    let open_ = 0;
    let peak = 0;
    const c = collector(async (d: Delivery) => {
      open_++;
      peak = Math.max(peak, open_);
      await new Promise((resolve) => setTimeout(resolve, 5));
      open_--;
      await d.ack();
    });
    await t.subscribe(subscribeOptions(name, 'g', { concurrency: 3 }), c.handler);
    await waitUntil(() => c.deliveries.length === 40);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });

  it('each group gets every entry; members of one group share them', async () => {
    const [a, b] = [await open(), await open()];
    const name = topic();
    const one = collector();
    const two = collector();
    const other = collector();
    await a.subscribe(subscribeOptions(name, 'g1'), one.handler);
    await b.subscribe(subscribeOptions(name, 'g1'), two.handler);
    await a.subscribe(subscribeOptions(name, 'g2'), other.handler);
    await a.publish(
      Array.from({ length: 200 }, (_, i) => message(name, { i })),
      { guarantee: 'at-least-once' },
    );
    await waitUntil(
      () => other.deliveries.length === 200 && one.deliveries.length + two.deliveries.length === 200,
    );
    const ids = new Set([...one.deliveries, ...two.deliveries].map((d) => d.message.id));
    expect(ids.size).toBe(200);
  });

  it('an entry left unsettled by a closed consumer is claimed by another member with the next delivery count', async () => {
    const a = await open({ claimIdleMs: 500 });
    const name = topic();
    await a.publish([message(name, { n: 1 })], { guarantee: 'at-least-once' });
    const first = collector(async () => undefined); // never settles: like a crash before the ack
    const sub = await a.subscribe(subscribeOptions(name, 'g'), first.handler);
    await waitUntil(() => first.deliveries[0]);
    await sub.close();
    await a.close();
    const b = await open({ claimIdleMs: 500, claimIntervalMs: 100 });
    const second = collector();
    await b.subscribe(subscribeOptions(name, 'g'), second.handler);
    const d = await waitUntil(() => second.deliveries[0]);
    expect(d.message.id).toBe(first.deliveries[0]!.message.id);
    expect(d.attempt).toBe(2);
  });

  it("a foreign entry's bytes survive a crash claim (XAUTOCLAIM) and are written back as bytes by deadLetter", async () => {
    const a = await open({ claimIdleMs: 500 });
    const name = topic();
    const sig = Buffer.from([0xff, 0x00, 0xfe]);
    const entryId = (await raw.xadd(name, '*', 'sig', sig, 'timestamp', 'n/a', 'body', '{"n":1}'))!;
    const first = collector(async () => undefined); // never settles: like a crash before the ack
    const sub = await a.subscribe(subscribeOptions(name, 'g'), first.handler);
    await waitUntil(() => first.deliveries[0]);
    await sub.close();
    await a.close();
    const b = await open({ claimIdleMs: 500, claimIntervalMs: 100 });
    const second = collector((d) => d.deadLetter!(`${name}.dlq`, { 'polybus-dlq-reason': 'max-attempts' }));
    await b.subscribe(subscribeOptions(name, 'g'), second.handler);
    const d = await waitUntil(() => second.deliveries[0]);
    expect(d.attempt).toBe(2);
    expect(d.message.headers).toEqual({
      sig: `base64:${sig.toString('base64')}`,
      timestamp: 'n/a',
      'polybus-redis-binary': '["sig"]',
    });
    expect(d.message).toEqual(first.deliveries[0]!.message);
    const [[, dead]] = await waitUntil(async () => {
      const entries = await raw.xrangeBuffer(`${name}.dlq`, '-', '+');
      return entries.length > 0 ? entries : undefined;
    });
    const strings = dead.map((f) => f.toString());
    expect(strings.filter((_, i) => i % 2 === 0)).toEqual(['id', 'timestamp', 'headers', 'sig', 'body']);
    expect(dead[strings.indexOf('sig') + 1]).toEqual(sig);
    expect(JSON.parse(strings[strings.indexOf('headers') + 1]!)).toEqual({
      timestamp: 'n/a',
      'polybus-dlq-reason': 'max-attempts',
    });
    expect(strings[strings.indexOf('id') + 1]).toBe(`redis:${name}:${entryId}`);
  });

  it('a slow handler keeps its entry (heartbeat) instead of having it claimed by another member', async () => {
    const a = await open({ claimIdleMs: 300, claimIntervalMs: 50 });
    const b = await open({ claimIdleMs: 300, claimIntervalMs: 50 });
    const name = topic();
    await a.publish([message(name, { n: 1 })], { guarantee: 'at-least-once' });
    const all: Delivery[] = [];
    const slow = async (d: Delivery): Promise<void> => {
      all.push(d);
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      await d.ack();
    };
    await a.subscribe(subscribeOptions(name, 'g'), slow);
    await b.subscribe(subscribeOptions(name, 'g'), slow);
    await waitUntil(async () => all.length === 1 && (await raw.xpending(name, 'g'))[0] === 0, 10_000, 'ack');
    expect(all).toHaveLength(1);
  });

  it('neither the heartbeat nor a delayed redelivery takes back an entry another member claimed meanwhile', async () => {
    // As after a stall past claimIdleMs: another member claimed our entries. A plain XCLAIM in the
    // heartbeat or the redelivery would take them back while that member processes them.
    const t = await open({ claimIdleMs: 300, claimIntervalMs: 60_000 });
    const name = topic();
    await t.publish([message(name, { n: 'slow' }), message(name, { n: 'nacked' })], {
      guarantee: 'at-least-once',
    });
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const c = collector(async (d) => {
      const { n } = JSON.parse(Buffer.from(d.message.payload).toString()) as { n: string };
      if (n === 'nacked') return d.nack({ delayMs: 400, attempt: d.attempt + 1 });
      await released;
      await d.ack();
    });
    await t.subscribe(subscribeOptions(name, 'g'), c.handler);
    await waitUntil(() => c.deliveries.length === 2);
    const ids = c.deliveries.map((d) => d.coordinates['stream-entry-id'] as string);
    await raw.xclaim(name, 'g', 'other-member', 0, ...ids, 'JUSTID');
    await new Promise((resolve) => setTimeout(resolve, 900)); // several heartbeats, the nack delay
    const owners = (await raw.xpending(name, 'g', '-', '+', 10)) as Array<[string, string, number, number]>;
    expect(owners.map(([, owner]) => owner)).toEqual(['other-member', 'other-member']);
    expect(c.deliveries).toHaveLength(2); // the nacked entry was not redelivered here
    release();
  });

  it('at-most-once reads with NOACK: nothing stays pending', async () => {
    const t = await open();
    const name = topic();
    await t.publish([message(name, { n: 1 }), message(name, { n: 2 })], { guarantee: 'at-most-once' });
    const c = collector(async () => undefined);
    await t.subscribe(subscribeOptions(name, 'g', { guarantee: 'at-most-once' }), c.handler);
    await waitUntil(() => c.deliveries.length === 2);
    expect((await raw.xpending(name, 'g'))[0]).toBe(0);
  });

  it('removes stale consumers that own nothing, keeps those that own pending entries', async () => {
    const name = topic();
    await raw.xadd(name, '*', 'body', '1');
    await raw.xgroup('CREATE', name, 'g', '0', 'MKSTREAM');
    await raw.xreadgroup('GROUP', 'g', 'holder', 'COUNT', 1, 'STREAMS', name, '>');
    await raw.xreadgroup('GROUP', 'g', 'empty', 'COUNT', 1, 'STREAMS', name, '>');
    await new Promise((resolve) => setTimeout(resolve, 150));
    const t = await open({ claimIdleMs: 60_000, claimIntervalMs: 20, staleConsumerMs: 100 });
    await t.subscribe(subscribeOptions(name, 'g'), collector().handler);
    await waitUntil(
      async () => {
        const names = ((await raw.xinfo('CONSUMERS', name, 'g')) as string[][]).map((c) => c[1]);
        return !names.includes('empty') && names.includes('holder');
      },
      10_000,
      'stale consumer removal',
    );
  });

  it('refuses per-key ordering and exactly-once without an idempotency store', async () => {
    const t = await open();
    expect(() => t.validateSubscription!(subscribeOptions('x', 'g', { ordering: 'per-key' }), [])).toThrow(
      /per-key/,
    );
    expect(() =>
      t.validateSubscription!(subscribeOptions('x', 'g', { guarantee: 'exactly-once' }), []),
    ).toThrow(/idempotency store/);
    expect(() =>
      t.validateSubscription!(
        subscribeOptions('x', 'g', { guarantee: 'exactly-once', idempotent: true }),
        [],
      ),
    ).not.toThrow();
  });

  it('recreates its group when the stream is deleted under it, and a throwing handler does not stop the loop', async () => {
    const t = await open();
    const name = topic();
    let calls = 0;
    const seen: string[] = [];
    const sub = await t.subscribe(subscribeOptions(name, 'g'), (d: Delivery) => {
      calls++;
      if (calls === 1) throw new Error('handler broke its contract');
      seen.push(d.message.id);
      return d.ack();
    });
    await t.publish([message(name, { n: 1 })], { guarantee: 'at-least-once' });
    await waitUntil(() => calls === 1);
    await raw.del(name);
    const again = message(name, { n: 2 });
    await waitUntil(
      async () => {
        await t.publish([message(name, { probe: true })], { guarantee: 'at-least-once' });
        return seen.length > 0;
      },
      20_000,
      'delivery after the stream was deleted',
    );
    await t.publish([again], { guarantee: 'at-least-once' });
    await waitUntil(() => seen.includes(again.id));
    await sub.close();
  });

  it('close is idempotent', async () => {
    const t = await open();
    await t.subscribe(subscribeOptions(topic(), 'g'), collector().handler);
    await Promise.all([t.close(), t.close()]);
    await t.close();
  });
});
