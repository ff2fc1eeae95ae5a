import { ConfigurationError, createBus, silentLogger, type TransportMessage } from '@polybus/core';
import { createSpy } from '@polybus/core/testing';
import { createTransportFromUrl } from '../src/url';
import { redisStreamsTransport } from '../src/transport';
import { collector, REDIS_URL, subscribeOptions, unique, waitUntil, rawClient } from './helpers';

const fieldOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    if (ConfigurationError.is(error)) return error.field;
    throw error;
  }
  return undefined;
};

describe('options and URLs', () => {
  it('names the bad field', () => {
    expect(fieldOf(() => redisStreamsTransport({}))).toBe('url');
    expect(fieldOf(() => redisStreamsTransport({ url: 'http://x' }))).toBe('url');
    expect(fieldOf(() => redisStreamsTransport({ url: REDIS_URL, claimIdleMs: -1 }))).toBe('claimIdleMs');
    expect(fieldOf(() => redisStreamsTransport({ url: REDIS_URL, maxLen: 1.5 }))).toBe('maxLen');
    expect(fieldOf(() => redisStreamsTransport({ url: REDIS_URL, blockMs: 0 }))).toBe('blockMs');
    expect(fieldOf(() => redisStreamsTransport({ url: REDIS_URL, consumerName: '' }))).toBe('consumerName');
    // a misspelt option used to be ignored in silence
    expect(fieldOf(() => redisStreamsTransport({ url: REDIS_URL, blockMS: 10 } as never))).toBe('blockMS');
    expect(fieldOf(() => createTransportFromUrl(new URL('redis://127.0.0.1:6379?claimIdleMs=soon')))).toBe(
      'claimIdleMs',
    );
    expect(fieldOf(() => createTransportFromUrl(new URL('amqp://127.0.0.1')))).toBe('url');
  });

  it('redis:// URLs carry transport options as query parameters and still connect', async () => {
    const url = new URL(REDIS_URL);
    url.searchParams.set('maxLen', '5');
    url.searchParams.set('blockMs', '100');
    url.searchParams.set('consumerName', 'from-url');
    const transport = createTransportFromUrl(url);
    expect(transport.name).toBe('redis-streams');
    await transport.connect();
    const topic = unique('rs-url');
    const msgs: TransportMessage[] = Array.from({ length: 300 }, (_, i) => ({
      id: `m-${i}`,
      topic,
      headers: {},
      payload: Buffer.from(String(i)),
      timestamp: Date.now(),
    }));
    await transport.publish(msgs, { guarantee: 'at-least-once' });
    const raw = rawClient();
    // Approximate trimming: far fewer than 300 entries remain, at least the last 5.
    const length = await raw.xlen(topic);
    expect(length).toBeGreaterThanOrEqual(5);
    expect(length).toBeLessThan(300);
    const c = collector();
    await transport.subscribe(subscribeOptions(topic, 'g'), c.handler);
    await waitUntil(() => c.deliveries.length === length);
    const consumers = (await raw.xinfo('CONSUMERS', topic, 'g')) as string[][];
    expect(consumers.map((row) => row[1])).toEqual(['from-url']);
    await transport.close();
    await raw.del(topic);
    raw.disconnect();
  });

  it('publish to a key of another type fails with PublishError carrying the server reason', async () => {
    const transport = redisStreamsTransport({ url: REDIS_URL });
    await transport.connect();
    const raw = rawClient();
    const topic = unique('rs-wrongtype');
    await raw.set(topic, 'not a stream');
    const msg: TransportMessage = { id: 'x', topic, headers: {}, payload: Buffer.from('1'), timestamp: 1 };
    await expect(transport.publish([msg], { guarantee: 'at-least-once' })).rejects.toMatchObject({
      name: 'PublishError',
      reason: expect.stringContaining('WRONGTYPE'),
    });
    await transport.close();
    await raw.del(topic);
    raw.disconnect();
  });

  it('createBus({ url }) loads this package for redis:// and round-trips through it', async () => {
    const topic = unique('rs-bus-url');
    const bus = createBus({ url: `${REDIS_URL}?blockMs=100`, logger: silentLogger });
    const spy = createSpy();
    bus.bind(topic, spy.handler, { group: 'g' });
    await bus.start();
    expect(bus.transport?.name).toBe('redis-streams');
    const { id } = await bus.publish(topic, { via: 'url' }, { key: 'k' });
    const got = await spy.waitFor({ id });
    expect(got).toMatchObject({ body: { via: 'url' }, key: 'k' });
    await bus.stop();
    const raw = rawClient();
    await raw.del(topic);
    raw.disconnect();
  });
});
