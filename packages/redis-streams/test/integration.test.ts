import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createBus, memoryIdempotencyStore, silentLogger, type Bus, PermanentError } from '@polybus/core';
import { createSpy } from '@polybus/core/testing';
import type Redis from 'ioredis';
import { redisStreamsTransport } from '../src/transport';
import { rawClient, readStream, REDIS_URL, unique, waitUntil } from './helpers';

const repoRoot = join(__dirname, '../../..');

describe('Redis Streams through the Bus', () => {
  let raw: Redis;
  const buses: Bus[] = [];
  const streams: string[] = [];
  const children: ChildProcess[] = [];

  const newBus = (options: Partial<Parameters<typeof redisStreamsTransport>[0]> = {}): Bus => {
    const bus = createBus({
      transport: redisStreamsTransport({
        url: REDIS_URL,
        claimIdleMs: 1_000,
        blockMs: 200,
        logger: silentLogger,
        ...options,
      }),
      logger: silentLogger,
    });
    buses.push(bus);
    return bus;
  };
  const topic = (): string => {
    const name = unique('rs-bus');
    streams.push(name, `${name}.dlq`);
    return name;
  };

  beforeAll(() => {
    raw = rawClient();
  });
  afterAll(async () => {
    children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
    await Promise.all(buses.map((b) => b.stop({ timeoutMs: 2_000 })));
    if (streams.length) await raw.del(...streams);
    raw.disconnect();
  });

  it('a consumer SIGKILLed while holding pending entries: another member claims them, nothing is lost', async () => {
    const name = topic();
    const publisher = newBus();
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) ids.add((await publisher.publish(name, { i })).id);

    const worker = spawn(
      process.execPath,
      [
        '--conditions=polybus-source',
        '--import',
        require.resolve('tsx', { paths: [repoRoot] }),
        join(__dirname, 'fixtures/hold-worker.ts'),
        name,
        'workers',
      ],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, POLYBUS_REDIS_URL: REDIS_URL },
      },
    );
    children.push(worker);
    let out = '';
    worker.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    // The worker holds as many as its concurrency allows (10), all pending under its name.
    await waitUntil(
      () => (out.match(/holding /g) ?? []).length === 10,
      30_000,
      'the worker to hold 10 entries',
    );
    const [pendingBefore] = (await raw.xpending(name, 'workers')) as [number];
    expect(pendingBefore).toBe(10);
    const held = [...out.matchAll(/holding (\S+)/g)].map((m) => m[1]!);
    worker.kill('SIGKILL');
    await new Promise((resolve) => worker.once('exit', resolve));

    const spy = createSpy<{ i: number }>();
    const survivor = newBus({ claimIdleMs: 1_000, claimIntervalMs: 100 });
    survivor.bind(name, spy.handler, { group: 'workers', concurrency: 10 });
    await survivor.start();
    await spy.waitForCount(30, { timeoutMs: 30_000 });
    expect(new Set(spy.processed.map((m) => m.id))).toEqual(ids);
    // The entries the dead worker held come back as their second delivery.
    for (const id of held) expect(spy.calls.find((c) => c.message.id === id)!.attempt).toBe(2);
    await waitUntil(
      async () => ((await raw.xpending(name, 'workers')) as [number])[0] === 0,
      10_000,
      'all acked',
    );
  });

  it('poison: retried through delayed redelivery, then the dead-letter stream with the envelope', async () => {
    const name = topic();
    const bus = newBus();
    const spy = createSpy(async () => {
      throw new Error('boom');
    });
    bus.bind(name, spy.handler, {
      group: 'poison',
      retry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 50, jitter: false, immediateAttempts: 1 },
    });
    await bus.start();
    const { id } = await bus.publish(name, { poison: true }, { key: 'p-1' });
    const [dead] = await waitUntil(async () => {
      const entries = await readStream(raw, `${name}.dlq`);
      return entries.length > 0 ? entries : undefined;
    });
    const [source] = await readStream(raw, name);
    expect(dead).toMatchObject({ id, key: 'p-1', body: '{"poison":true}' });
    expect(JSON.parse(dead!.headers!)).toMatchObject({
      'polybus-dlq-reason': 'max-attempts',
      'polybus-dlq-error': 'Error: boom',
      'polybus-dlq-source': name,
      'polybus-dlq-group': 'poison',
      'polybus-dlq-attempts': '3',
      'polybus-dlq-stream-entry-id': source!.entryId,
    });
    expect(spy.calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(((await raw.xpending(name, 'poison')) as [number])[0]).toBe(0);
  });

  it('exactly-once: two different foreign events that both carry `id 42` are both handled, none a duplicate; a Polybus republish of one key is one', async () => {
    const name = topic();
    await raw.xadd(name, '*', 'id', '42', 'body', '{"amount":10}');
    await raw.xadd(name, '*', 'id', '42', 'body', '{"amount":20}');
    const bus = newBus();
    const spy = createSpy<{ amount: number }>();
    bus.bind(name, spy.handler, {
      group: 'eo',
      guarantee: 'exactly-once',
      idempotency: memoryIdempotencyStore(),
    });
    await bus.start();
    for (const amount of [30, 30]) await bus.publish(name, { amount }, { idempotencyKey: 'pay-30' });
    await spy.waitFor((c) => c.body.amount === 30, { timeoutMs: 10_000 });
    await waitUntil(() => (bus.stats()[0]!.counters.duplicates >= 1 ? true : undefined));
    expect(spy.processed.map((m) => m.body.amount).sort()).toEqual([10, 20, 30]);
    expect(spy.processed.filter((m) => m.body.amount !== 30).map((m) => m.headers.id)).toEqual(['42', '42']);
    expect(bus.stats()[0]!.counters.duplicates).toBe(1);
  });

  it('entries written by a raw client that are not JSON go to the dead letter as decode-error; later ones still flow', async () => {
    const name = topic();
    const badBody = await raw.xadd(name, '*', 'body', Buffer.from([0xff, 0xfe, 0x00, 0x7b]));
    const noBody = await raw.xadd(name, '*', 'orderId', '42');
    const bus = newBus();
    const spy = createSpy();
    bus.bind(name, spy.handler, { group: 'decoders' });
    await bus.start();
    const { id } = await bus.publish(name, { fine: true });
    await spy.waitFor({ id });
    const dead = await waitUntil(async () => {
      const entries = await readStream(raw, `${name}.dlq`);
      return entries.length === 2 ? entries : undefined;
    });
    const byEntry = new Map(dead.map((e) => [JSON.parse(e.headers!)['polybus-dlq-stream-entry-id'], e]));
    const first = byEntry.get(badBody)!;
    expect(first.id).toBe(`redis:${name}:${badBody}`);
    expect(JSON.parse(first.headers!)['polybus-dlq-reason']).toBe('decode-error');
    const firstBytes = (await raw.xrangeBuffer(`${name}.dlq`, first.entryId, first.entryId))[0]![1];
    const bodyIndex = firstBytes.findIndex((f) => f.toString() === 'body');
    expect(firstBytes[bodyIndex + 1]).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0x7b]));
    const second = JSON.parse(byEntry.get(noBody)!.headers!);
    expect(second).toMatchObject({ orderId: '42', 'polybus-dlq-reason': 'decode-error' });
    expect(spy.processed.map((m) => m.id)).toEqual([id]);
    expect(((await raw.xpending(name, 'decoders')) as [number])[0]).toBe(0);
  });

  it('a foreign entry with bytes that are not UTF-8 and a timestamp that is not a number: the handler sees every field, a retry and the dead letter keep the bytes exactly', async () => {
    const name = topic();
    const sig = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0xc3, 0x28]); // not UTF-8
    const blob = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xfe, 0xff]);
    // As a foreign producer writes it (redis-cli XADD, another client): its own names, `body` the payload.
    const entryId = (await raw.xadd(
      name,
      '*',
      'order',
      'o-7',
      'sig',
      sig,
      'timestamp',
      'yesterday',
      'note',
      'base64:3q2+7w==', // text that only looks like the encoding: must stay this text
      'content-type',
      'application/octet-stream',
      'body',
      blob,
    ))!;
    const bus = newBus();
    const spy = createSpy<Buffer>(async (_message, ctx) => {
      throw ctx.attempt === 1 ? new Error('flaky') : new PermanentError('rejected');
    });
    bus.bind(name, spy.handler, {
      group: 'foreign',
      retry: { maxAttempts: 3, initialDelayMs: 20, maxDelayMs: 50, jitter: false, immediateAttempts: 1 },
    });
    await bus.start();
    const deadFields = await waitUntil(async () => {
      const entries = await raw.xrangeBuffer(`${name}.dlq`, '-', '+');
      return entries.length > 0 ? entries[0]![1] : undefined;
    });

    const expectedHeaders = {
      order: 'o-7',
      sig: `base64:${sig.toString('base64')}`,
      timestamp: 'yesterday',
      note: 'base64:3q2+7w==',
      'content-type': 'application/octet-stream',
      'polybus-redis-binary': '["sig"]',
    };
    expect(spy.calls.map((c) => [c.attempt, c.outcome])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ]);
    for (const { message } of spy.calls) {
      expect(message.headers).toMatchObject(expectedHeaders);
      expect(Buffer.isBuffer(message.body) && message.body.equals(blob)).toBe(true);
      expect(message.id).toBe(`redis:${name}:${entryId}`);
      expect(message.timestamp).toBe(Number(entryId.split('-')[0]));
    }

    // The dead letter, read as bytes by a raw client: the binary field and the body are the same
    // bytes, the other fields and the envelope are in `headers`.
    const fields = new Map<string, Buffer>();
    for (let i = 0; i + 1 < deadFields.length; i += 2)
      fields.set(deadFields[i]!.toString(), deadFields[i + 1]!);
    expect([...fields.keys()]).toEqual(['id', 'timestamp', 'headers', 'sig', 'body']);
    expect(fields.get('sig')).toEqual(sig);
    expect(fields.get('body')).toEqual(blob);
    expect(fields.get('id')!.toString()).toBe(`redis:${name}:${entryId}`);
    expect(fields.get('timestamp')!.toString()).toBe(entryId.split('-')[0]);
    const { sig: _sig, 'polybus-redis-binary': _marker, ...textHeaders } = expectedHeaders;
    expect(JSON.parse(fields.get('headers')!.toString())).toEqual({
      ...textHeaders, // `polybus-id` is left out: the `id` field carries it
      'polybus-dlq-reason': 'permanent-error',
      'polybus-dlq-error': 'PermanentError: rejected',
      'polybus-dlq-source': name,
      'polybus-dlq-group': 'foreign',
      'polybus-dlq-attempts': '2',
      'polybus-dlq-failed-at': expect.any(String),
      'polybus-dlq-stream-entry-id': entryId,
    });
    expect(((await raw.xpending(name, 'foreign')) as [number])[0]).toBe(0);

    // Read back through Polybus, the dead letter is the message the handler saw, plus the envelope.
    const letters = createSpy<Buffer>();
    const reader = newBus();
    reader.bind(`${name}.dlq`, letters.handler, { group: 'audit' });
    await reader.start();
    const letter = await letters.waitFor({ id: `redis:${name}:${entryId}` });
    expect(letter.headers).toMatchObject({ ...expectedHeaders, 'polybus-dlq-reason': 'permanent-error' });
    expect(letter.body.equals(blob)).toBe(true);
  });

  it('a permanent error skips the retries', async () => {
    const name = topic();
    const bus = newBus();
    const spy = createSpy(async () => {
      throw new PermanentError('never');
    });
    bus.bind(name, spy.handler, { group: 'perm' });
    await bus.start();
    await bus.publish(name, { x: 1 });
    const [dead] = await waitUntil(async () => {
      const entries = await readStream(raw, `${name}.dlq`);
      return entries.length > 0 ? entries : undefined;
    });
    expect(JSON.parse(dead!.headers!)['polybus-dlq-reason']).toBe('permanent-error');
    expect(spy.calls).toHaveLength(1);
  });
});
