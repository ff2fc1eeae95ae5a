import { Headers, type Bus } from '@polybus/core';
import { testMessage } from '@polybus/conformance';
import { waitFor } from '@polybus/core/testing';
import { deadLetterOperations, type DeadLetterOperations } from '../src';
import { BROKERS, deadLetteringBus, lettersOn, unique, type Body, type Kind } from './brokers';

// Letters are made by real bindings on each broker; the operations read them through the
// broker's DeadLetterAccess (transport made from the URL, as the CLI does).
describe.each(BROKERS)('dead-letter operations on $name', (broker) => {
  let ops: DeadLetterOperations;
  const buses: Bus[] = [];
  beforeAll(async () => {
    ops = await deadLetterOperations(broker.url);
  });
  afterAll(async () => {
    await Promise.allSettled(buses.map((b) => b.stop({ timeoutMs: 2_000 })));
    await ops.close();
  });

  async function setUp(label: string) {
    const topic = unique(label);
    const made = await deadLetteringBus(broker, topic);
    buses.push(made.bus);
    const access = ops.transport.deadLetters!();
    // One key: letters in publish order on one partition (Kafka), so prefix removal is predictable.
    const send = async (kind: Kind, n: number): Promise<string> =>
      (await made.bus.publish<Body>(topic, { n, kind }, { key: 'k', headers: { 'x-trace': `t-${n}` } })).id;
    return { topic, dlq: `${topic}.dlq`, access, send, ...made };
  }

  it('list groups letters by reason and error fingerprint; show gives one in full', async () => {
    const { topic, dlq, access, send } = await setUp('list');
    const permanent = [await send('permanent', 1), await send('permanent', 22), await send('permanent', 333)];
    const transient = [await send('transient', 4), await send('transient', 55)];
    // Bytes the JSON codec cannot read: a decode-error letter with a binary body.
    const binary = testMessage(topic, null, { payload: Buffer.from([0xff, 0xfe, 0x00, 0x01]), key: 'k' });
    await ops.transport.publish([binary], { guarantee: 'at-least-once' });
    await lettersOn(access, dlq, 6);

    const listing = await ops.list(dlq);
    expect(listing.total).toBe(6);
    const groups = listing.groups.map((g) => [g.reason, g.fingerprint, g.count]);
    expect(groups).toEqual([
      ['permanent-error', 'PermanentError: bad order <n> (id <id>)', 3],
      [expect.stringMatching(/^(max-attempts|handler-error)$/), 'Error: timeout after <n> ms', 2],
      ['decode-error', expect.any(String), 1],
    ]);
    for (const g of listing.groups) {
      expect(g.sources).toEqual([topic]);
      expect(Date.parse(g.oldest!)).toBeLessThanOrEqual(Date.parse(g.newest!));
    }
    expect(listing.groups[0]!.example).toMatch(/^PermanentError: bad order 1 \(id /);
    expect(listing.groups[0]!.exampleId).toBe(permanent[0]); // the oldest letter, as `show` takes it
    expect(transient).toContain(listing.groups[1]!.exampleId);

    const shown = await ops.show(dlq, permanent[1]!);
    expect(shown).toMatchObject({
      id: permanent[1],
      key: 'k',
      body: { encoding: 'utf8', data: JSON.stringify({ n: 22, kind: 'permanent' }) },
      truncated: false,
    });
    expect(shown!.headers['x-trace']).toBe('t-22');
    expect(Object.keys(shown!.headers).filter((h) => h.startsWith('polybus-dlq-'))).toEqual([]);
    expect(shown!.deadLetter).toMatchObject({
      [Headers.dlqReason]: 'permanent-error',
      [Headers.dlqSource]: topic,
      [Headers.dlqAttempts]: '1',
    });
    expect(shown!.deadLetter[Headers.dlqError]).toContain('bad order 22');

    const bytes = await ops.show(dlq, binary.id);
    expect(bytes!.body).toEqual({
      encoding: 'base64',
      data: Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString('base64'),
      bytes: 4,
    });
    expect(await ops.show(dlq, 'no-such-id')).toBeUndefined();
    expect(transient).toHaveLength(2);
  });

  it('replay --dry-run changes nothing; --reason and --since pick letters; replays keep id, key, body, headers', async () => {
    const { topic, dlq, access, send, replayed } = await setUp('replay');
    const t1 = await send('transient', 1);
    const t2 = await send('transient', 2);
    const p1 = await send('permanent', 3);
    const p2 = await send('permanent', 4);
    await lettersOn(access, dlq, 4);
    await new Promise((r) => setTimeout(r, 20));
    const cut = new Date();
    await new Promise((r) => setTimeout(r, 20));
    const p3 = await send('permanent', 5);
    const p4 = await send('permanent', 6);
    await lettersOn(access, dlq, 6);

    const dry = await ops.replay(dlq, { reason: 'permanent-error', dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, matched: 4, replayed: 4, removed: 0, kept: 0 });
    expect((await ops.list(dlq)).total).toBe(6);

    const recent = await ops.replay(dlq, { reason: 'permanent-error', since: cut, ratePerSecond: 20 });
    expect(recent).toMatchObject({ matched: 2, replayed: 2, bySource: { [topic]: 2 } });
    await waitFor(() => replayed.length >= 2, { timeoutMs: 30_000, description: 'replays handled' });
    expect(replayed.map((m) => m.id).sort()).toEqual([p3, p4].sort());
    for (const m of replayed) {
      expect(m.key).toBe('k');
      expect(m.body.kind).toBe('permanent');
      expect(m.headers['x-trace']).toBe(`t-${m.body.n}`);
      expect(m.headers['polybus-replayed-from']).toBe(dlq);
      expect(Object.keys(m.headers).filter((h) => h.startsWith('polybus-dlq-'))).toEqual([]);
    }
    let left = (await lettersOn(access, dlq, 0)).map((l) => l.message.id);
    if (recent.removesEach) {
      expect(recent).toMatchObject({ removed: 2, kept: 0 });
      expect(left).toEqual([t1, t2, p1, p2]);
    } else {
      // Kafka: p3 and p4 come after letters that stay, so they stay too, and the report says so.
      expect(recent).toMatchObject({ removed: 0, kept: 2 });
      expect(recent.note).toMatch(/removes only a prefix/);
      expect(left).toEqual([t1, t2, p1, p2, p3, p4]);
    }

    // The oldest letters: removable everywhere, a prefix on Kafka included.
    const transientReason = (await ops.show(dlq, t1))!.deadLetter[Headers.dlqReason];
    const old = await ops.replay(dlq, { reason: transientReason });
    expect(old).toMatchObject({ matched: 2, replayed: 2, removed: 2, kept: 0 });
    left = (await lettersOn(access, dlq, 0)).map((l) => l.message.id);
    expect(left).toEqual(recent.removesEach ? [p1, p2] : [p1, p2, p3, p4]);

    const rest = await ops.replay(dlq, { limit: 100 });
    expect(rest).toMatchObject({
      matched: left.length,
      replayed: left.length,
      removed: left.length,
      kept: 0,
    });
    expect((await ops.list(dlq)).total).toBe(0);
    await waitFor(() => replayed.length >= 2 + 2 + left.length, {
      timeoutMs: 30_000,
      description: 'all replays',
    });
    expect(new Set(replayed.map((m) => m.id))).toEqual(new Set([t1, t2, p1, p2, p3, p4]));
  });

  it('a truncated letter is not replayed: skipped, reported, kept', async () => {
    const { topic, dlq, access, send } = await setUp('truncated');
    const whole = await send('permanent', 1);
    await lettersOn(access, dlq, 1);
    const cut = testMessage(
      dlq,
      { n: 2, kind: 'permanent' },
      {
        key: 'k',
        headers: {
          'content-type': 'application/json',
          [Headers.dlqReason]: 'permanent-error',
          [Headers.dlqSource]: topic,
          [Headers.dlqError]: 'bad order 2',
          [Headers.dlqFailedAt]: new Date().toISOString(),
          [Headers.dlqTruncated]: '2000000',
        },
      },
    );
    await ops.transport.publish([cut], { guarantee: 'at-least-once' });
    await lettersOn(access, dlq, 2);
    const report = await ops.replay(dlq, {});
    expect(report).toMatchObject({ matched: 2, replayed: 1, truncated: [cut.id] });
    expect((await lettersOn(access, dlq, 0)).map((l) => l.message.id)).toEqual([cut.id]);
    expect(whole).toBeDefined();
  });

  it('purge removes the matching letters (on Kafka only a prefix, and says so), then all', async () => {
    const { dlq, access, send } = await setUp('purge');
    const t1 = await send('transient', 1);
    const t2 = await send('transient', 2);
    const p1 = await send('permanent', 3);
    await lettersOn(access, dlq, 3);
    const some = await ops.purge(dlq, { reason: 'permanent-error' });
    const left = (await lettersOn(access, dlq, 0)).map((l) => l.message.id);
    if (some.removesEach) {
      expect(some).toMatchObject({ matched: 1, removed: 1, kept: 0 });
      expect(left).toEqual([t1, t2]);
    } else {
      expect(some).toMatchObject({ matched: 1, removed: 0, kept: 1 });
      expect(some.note).toMatch(/prefix/);
      expect(left).toEqual([t1, t2, p1]);
    }
    const all = await ops.purge(dlq);
    expect(all).toMatchObject({ matched: left.length, removed: left.length, kept: 0 });
    expect((await ops.list(dlq)).total).toBe(0);
  });

  it('an unknown topic is a ConfigurationError naming it', async () => {
    await expect(ops.list('cli.no-such-topic.dlq')).rejects.toMatchObject({
      code: 'POLYBUS_CONFIGURATION',
      message: expect.stringContaining('cli.no-such-topic.dlq'),
    });
  });
});

describe('dead-letter operations without a broker that keeps letters', () => {
  it('refuses a transport without deadLetters() with a ConfigurationError', async () => {
    await expect(deadLetterOperations('memory://')).rejects.toMatchObject({
      code: 'POLYBUS_CONFIGURATION',
      field: 'transport',
    });
  });
});
