import { SendMessageCommand } from '@aws-sdk/client-sqs';
import {
  ConfigurationError,
  GuaranteeNotSupportedError,
  PublishError,
  silentLogger,
  type Transport,
} from '@polybus/core';
import { payloadBuffer, type Delivery, type SubscribeOptions } from '@polybus/core/transport';
import { waitFor } from '@polybus/core/testing';
import { createSqsClient } from '@polybus/sqs';
import {
  bodyOf,
  message,
  queueDepth,
  queueUrl,
  rawClient,
  sleep,
  testTransport,
  uniqueTopic,
  subscribeOptions,
  transportsClosedAfterEach,
} from './helpers';

const sub = (topic: string, extra: Partial<SubscribeOptions> = {}): SubscribeOptions =>
  subscribeOptions(topic, extra);

describe('sqs transport against ElasticMQ', () => {
  const raw = rawClient();
  const open = transportsClosedAfterEach();
  afterAll(() => raw.destroy());

  it('round-trips id, key, 30 headers and body through batched publish, then deletes on ack', async () => {
    const topic = uniqueTopic('roundtrip');
    const t = await open();
    await t.ensureTopics?.([topic]);
    const headers = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`x-h${i}`, `value ${i}`]));
    const sent = Array.from({ length: 25 }, (_, n) =>
      message(topic, n, { key: `k${n % 3}`, headers: { ...headers, 'content-type': 'application/json' } }),
    );
    await t.publish(sent, { guarantee: 'at-least-once' });
    const got: Delivery[] = [];
    await t.subscribe(sub(topic), async (d) => {
      got.push(d);
      await d.ack();
    });
    await waitFor(() => got.length >= 25, { timeoutMs: 20_000 });
    const byId = new Map(got.map((d) => [d.message.id, d]));
    for (const m of sent) {
      const d = byId.get(m.id);
      // `polybus-id` travels once, in the envelope, and comes back as a header.
      expect(d?.message).toEqual({ ...m, topic, headers: { ...m.headers, 'polybus-id': m.id } });
      expect(d?.attempt).toBe(1);
      expect(d?.coordinates['sqs-message-id']).toMatch(/.+/);
    }
    await waitFor(async () => (await queueDepth(raw, topic)) === 0, { timeoutMs: 15_000 });
  });

  it('carries binary and empty payloads byte for byte', async () => {
    const topic = uniqueTopic('binary');
    const t = await open();
    const binary = Buffer.from([0, 255, 1, 254, 0x1b, 0x7f]);
    const sent = [
      message(topic, 1, { payload: binary, headers: { 'content-type': 'application/octet-stream' } }),
      message(topic, 2, { payload: Buffer.alloc(0) }),
    ];
    await t.publish(sent, { guarantee: 'at-least-once' });
    const got = new Map<string, Buffer>();
    await t.subscribe(sub(topic), async (d) => {
      got.set(d.message.id, payloadBuffer(d.message.payload));
      await d.ack();
    });
    await waitFor(() => got.size === 2, { timeoutMs: 15_000 });
    expect(got.get(sent[0].id)?.equals(binary)).toBe(true);
    expect(got.get(sent[1].id)?.length).toBe(0);
  });

  it('refuses an oversize message before sending, saying its size', async () => {
    const topic = uniqueTopic('oversize');
    const t = await open();
    await t.ensureTopics?.([topic]);
    const big = message(topic, 1, { payload: Buffer.from(JSON.stringify({ s: 'x'.repeat(300_000) })) });
    const small = message(topic, 2);
    const error = await t.publish([small, big], { guarantee: 'at-least-once' }).catch((e: unknown) => e);
    expect(PublishError.is(error)).toBe(true);
    expect((error as PublishError).message).toMatch(/\d{6} bytes .*262144-byte limit/);
    // Refused as a whole before any send: the small one did not go either.
    expect(await queueDepth(raw, topic)).toBe(0);
  });

  it('nack hands the message back after the delay and reports the next attempt', async () => {
    const topic = uniqueTopic('nack');
    const t = await open();
    await t.publish([message(topic, 1)], { guarantee: 'at-least-once' });
    const attempts: number[] = [];
    await t.subscribe(sub(topic), async (d) => {
      attempts.push(d.attempt);
      if (attempts.length === 1) await d.nack({ delayMs: 1000, attempt: 4 });
      else await d.ack();
    });
    await waitFor(() => attempts.length === 2, { timeoutMs: 15_000 });
    expect(attempts).toEqual([1, 4]);
  });

  it('reads a raw client message: id from MessageId, headers from String attributes', async () => {
    const topic = uniqueTopic('raw');
    const t = await open();
    await t.ensureTopics?.([topic]);
    const sent = await raw.send(
      new SendMessageCommand({
        QueueUrl: await queueUrl(raw, topic),
        MessageBody: '{"n":7}',
        MessageAttributes: { 'x-origin': { DataType: 'String', StringValue: 'legacy' } },
      }),
    );
    const got: Delivery[] = [];
    await t.subscribe(sub(topic), async (d) => {
      got.push(d);
      await d.ack();
    });
    await waitFor(() => got.length === 1, { timeoutMs: 15_000 });
    expect(got[0].message.id).toBe(sent.MessageId);
    expect(got[0].message.headers).toEqual({ 'x-origin': 'legacy' });
    expect(bodyOf(got[0])).toEqual({ n: 7 });
  });

  it('at-most-once deletes before the handler: an unsettled delivery never comes back', async () => {
    const topic = uniqueTopic('amo');
    const first = await open({ visibilityTimeoutSeconds: 1 });
    await first.publish([message(topic, 1)], { guarantee: 'at-least-once' });
    let seen = 0;
    await first.subscribe(sub(topic, { guarantee: 'at-most-once' }), async () => {
      seen++; // never settled: simulates a handler that crashed midway
    });
    await waitFor(() => seen === 1, { timeoutMs: 15_000 });
    await waitFor(async () => (await queueDepth(raw, topic)) === 0, { timeoutMs: 15_000 });
  });

  it('concurrency bounds unsettled deliveries', async () => {
    const topic = uniqueTopic('concurrency');
    const t = await open();
    await t.publish(
      Array.from({ length: 40 }, (_, n) => message(topic, n)),
      { guarantee: 'at-least-once' },
    );
    let open_ = 0;
    let most = 0;
    let done = 0;
    await t.subscribe(sub(topic, { concurrency: 4 }), async (d) => {
      most = Math.max(most, ++open_);
      await new Promise((r) => setTimeout(r, 20));
      open_--;
      await d.ack();
      done++;
    });
    await waitFor(() => done === 40, { timeoutMs: 30_000 });
    expect(most).toBeLessThanOrEqual(4);
  });

  it('close does not wait out a 20 s long poll, on an idle queue or right after a full receive', async () => {
    const idle = await open({ waitTimeSeconds: 20 });
    await idle.subscribe(sub(uniqueTopic('close-idle')), async (d) => d.ack());
    await sleep(500); // the first long poll is in flight
    let started = performance.now();
    await idle.close();
    expect(performance.now() - started).toBeLessThan(5_000);

    const topic = uniqueTopic('close-busy');
    const busy = await open({ waitTimeSeconds: 20 });
    await busy.publish(
      Array.from({ length: 10 }, (_, n) => message(topic, n)),
      { guarantee: 'at-least-once' },
    );
    let acked = 0;
    await busy.subscribe(sub(topic, { concurrency: 10 }), async (d) => {
      await d.ack();
      acked++;
    });
    await waitFor(() => acked === 10, { timeoutMs: 15_000 });
    await sleep(200); // the receive after the full one is in flight on the drained queue
    started = performance.now();
    await busy.close();
    expect(performance.now() - started).toBeLessThan(5_000);
    await waitFor(async () => (await queueDepth(raw, topic)) === 0, { timeoutMs: 15_000 });
  });

  it('a handler that throws is logged and does not stop the messages behind it', async () => {
    const topic = uniqueTopic('throws');
    const errors: string[] = [];
    const logger = { ...silentLogger, error: (message: string) => void errors.push(message) };
    const t = await open({ logger });
    await t.publish(
      Array.from({ length: 5 }, (_, n) => message(topic, n)),
      { guarantee: 'at-least-once' },
    );
    const acked: number[] = [];
    await t.subscribe(sub(topic), (d) => {
      if (bodyOf(d).n === 2) throw new Error('handler bug'); // thrown, not a rejected promise
      acked.push(bodyOf(d).n);
      return d.ack();
    });
    await waitFor(() => acked.length === 4 && errors.length >= 1, { timeoutMs: 15_000 });
    expect(acked.sort()).toEqual([0, 1, 3, 4]);
    expect(errors[0]).toContain('delivery handler rejected');
  });

  it("builds its own client with the SDK's middleware cache and leaves a client it is given as it is", async () => {
    const clientOf = (t: Transport) => (t as unknown as { client: typeof raw }).client;
    const own = await open();
    expect(clientOf(own).config.cacheMiddleware).toBe(true);
    const given = await open({ client: raw });
    expect(clientOf(given)).toBe(raw);
    expect(raw.config.cacheMiddleware).not.toBe(true);
    const built = createSqsClient({ region: 'eu-west-1' });
    expect(built.config.cacheMiddleware).toBe(true);
    built.destroy();
  });

  describe('validateSubscription', () => {
    const t = testTransport();
    afterAll(() => t.close());

    it('refuses a second group on one queue and explains the fan-out options', () => {
      const error = (() => {
        try {
          t.validateSubscription?.(sub('orders.created', { group: 'shipping' }), [
            sub('orders.created', { group: 'billing' }),
          ]);
        } catch (e) {
          return e;
        }
      })();
      expect(ConfigurationError.is(error)).toBe(true);
      expect((error as Error).message).toMatch(/no consumer groups.*SNS.*one Polybus topic per group/s);
      expect(() =>
        t.validateSubscription?.(sub('orders.created', { group: 'billing' }), [
          sub('orders.created', { group: 'billing' }),
        ]),
      ).not.toThrow();
    });

    it('refuses per-key ordering on a standard queue, allows it on FIFO', () => {
      expect(() => t.validateSubscription?.(sub('orders.created', { ordering: 'per-key' }), [])).toThrow(
        GuaranteeNotSupportedError,
      );
      expect(() => t.validateSubscription?.(sub('orders.fifo', { ordering: 'per-key' }), [])).not.toThrow();
    });

    it('refuses exactly-once without an idempotency store, saying why FIFO is not enough', () => {
      expect(() => t.validateSubscription?.(sub('orders.fifo', { guarantee: 'exactly-once' }), [])).toThrow(
        /FIFO deduplication only .* publish side.*idempotency/s,
      );
      expect(() =>
        t.validateSubscription?.(sub('orders.fifo', { guarantee: 'exactly-once', idempotent: true }), []),
      ).not.toThrow();
    });
  });
});
