import { createBus } from './bus';
import { ConfigurationError } from './errors/configuration-error';
import { PublishError } from './errors/publish-error';
import type { Guarantee, TransportMessage } from './message';
import { memoryTransport } from './memory/memory-transport';
import { PublishBatcher } from './publish-batcher';
import type { Transport } from './transport';

/** A transport that records each publish call; `fail` decides per call whether it rejects. */
function recording(
  maxMessageBytes?: number,
  fail: (messages: readonly TransportMessage[]) => boolean = () => false,
) {
  const calls: { topics: string[]; ids: string[]; guarantee: Guarantee }[] = [];
  const transport = {
    ...memoryTransport(),
    capabilities: { ...memoryTransport().capabilities, maxMessageBytes },
    publish(messages: readonly TransportMessage[], options: { guarantee: Guarantee }) {
      calls.push({
        topics: messages.map((m) => m.topic),
        ids: messages.map((m) => m.id),
        guarantee: options.guarantee,
      });
      return fail(messages)
        ? Promise.reject(new PublishError(messages[0].topic, 'refused'))
        : Promise.resolve();
    },
  } as Transport;
  return { transport, calls };
}

const message = (id: string, topic = 't', payload = '{}'): TransportMessage => ({
  id,
  topic,
  headers: {},
  payload,
  timestamp: 0,
});
const ids = (n: number, prefix = 'm') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('PublishBatcher', () => {
  it('sends the calls of one event-loop turn as one batch, in call order', async () => {
    const { transport, calls } = recording();
    const batcher = new PublishBatcher(transport, { lingerMs: 0, maxMessages: 1000 });
    await Promise.all(ids(100).map((id) => batcher.publish(message(id), 'at-least-once')));
    expect(calls).toEqual([{ topics: Array(100).fill('t'), ids: ids(100), guarantee: 'at-least-once' }]);
  });

  it('keeps topics and guarantees apart: a refusal of one topic never fails another', async () => {
    const { transport, calls } = recording(undefined, (m) => m[0].topic === 'bad');
    const batcher = new PublishBatcher(transport, { lingerMs: 0, maxMessages: 1000 });
    const results = await Promise.allSettled([
      batcher.publish(message('a', 'good'), 'at-least-once'),
      batcher.publish(message('b', 'bad'), 'at-least-once'),
      batcher.publish(message('c', 'good'), 'at-most-once'),
      batcher.publish(message('d', 'good'), 'at-least-once'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(calls.map((c) => [c.ids, c.guarantee])).toEqual([
      [['a', 'd'], 'at-least-once'],
      [['b'], 'at-least-once'],
      [['c'], 'at-most-once'],
    ]);
  });

  it('rejects every call of a refused batch with the transport error; the next batch goes out', async () => {
    let refuse = true;
    const { transport, calls } = recording(undefined, () => refuse);
    const batcher = new PublishBatcher(transport, { lingerMs: 0, maxMessages: 1000 });
    const first = await Promise.allSettled(ids(3).map((id) => batcher.publish(message(id), 'at-least-once')));
    expect(first.map((r) => r.status === 'rejected' && PublishError.is(r.reason))).toEqual([
      true,
      true,
      true,
    ]);
    refuse = false;
    await batcher.publish(message('next'), 'at-least-once');
    expect(calls.map((c) => c.ids)).toEqual([ids(3), ['next']]);
  });

  it('sends a full batch at once and starts another, by count and by bytes', async () => {
    const byCount = recording();
    const counted = new PublishBatcher(byCount.transport, { lingerMs: 0, maxMessages: 1000 });
    await Promise.all(ids(2500).map((id) => counted.publish(message(id), 'at-least-once')));
    expect(byCount.calls.map((c) => c.ids.length)).toEqual([1000, 1000, 500]);
    expect(byCount.calls.flatMap((c) => c.ids)).toEqual(ids(2500));

    // 10 KB messages under a 64 KB limit: a batch never holds more than the limit.
    const byBytes = recording(64 * 1024);
    const sized = new PublishBatcher(byBytes.transport, { lingerMs: 0, maxMessages: 1000 });
    const payload = Buffer.alloc(10 * 1024);
    await Promise.all(ids(20).map((id) => sized.publish({ ...message(id), payload }, 'at-least-once')));
    expect(byBytes.calls.map((c) => c.ids.length)).toEqual([6, 6, 6, 2]);
  });

  it('keeps order across batches: the next batch of a topic goes out once the one before settled', async () => {
    const events: string[] = [];
    let calls = 0;
    const transport = {
      ...memoryTransport(),
      publish(messages: readonly TransportMessage[]) {
        const call = ++calls;
        events.push(`start ${call} (${messages.length})`);
        // The first request is the slow one: a client that pipelined would let the second overtake it.
        return new Promise<void>((resolve) =>
          setTimeout(() => (events.push(`done ${call}`), resolve()), call === 1 ? 50 : 1),
        );
      },
    } as Transport;
    const batcher = new PublishBatcher(transport, { lingerMs: 0, maxMessages: 100 });
    await Promise.all(ids(250).map((id) => batcher.publish(message(id), 'at-least-once')));
    expect(events).toEqual(['start 1 (100)', 'done 1', 'start 2 (100)', 'done 2', 'start 3 (50)', 'done 3']);
  });

  it('a refused batch does not hold back the next one of its topic', async () => {
    let calls = 0;
    const { transport } = recording(undefined, () => ++calls === 1);
    const batcher = new PublishBatcher(transport, { lingerMs: 0, maxMessages: 2 });
    const results = await Promise.allSettled(
      ids(4).map((id) => batcher.publish(message(id), 'at-least-once')),
    );
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled', 'fulfilled']);
  });

  it('a call made after an earlier one settled goes out in a later batch', async () => {
    const { transport, calls } = recording();
    const batcher = new PublishBatcher(transport, { lingerMs: 0, maxMessages: 1000 });
    await batcher.publish(message('first'), 'at-least-once');
    await batcher.publish(message('second'), 'at-least-once');
    expect(calls.map((c) => c.ids)).toEqual([['first'], ['second']]);
  });

  it('with lingerMs, gathers calls of later turns too', async () => {
    const { transport, calls } = recording();
    const batcher = new PublishBatcher(transport, { lingerMs: 50, maxMessages: 1000 });
    const first = batcher.publish(message('a'), 'at-least-once');
    await new Promise((resolve) => setImmediate(resolve));
    const second = batcher.publish(message('b'), 'at-least-once');
    await Promise.all([first, second]);
    expect(calls.map((c) => c.ids)).toEqual([['a', 'b']]);
  });
});

describe('bus.publish batching', () => {
  it('batches concurrent publishes; a body that cannot be encoded fails only its own call', async () => {
    const { transport, calls } = recording();
    const bus = createBus({ transport });
    const results = await Promise.allSettled([
      bus.publish('t', { n: 1 }),
      bus.publish('t', { n: 2n }), // a BigInt has no JSON form
      bus.publish('t', { n: 3 }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(calls).toHaveLength(1);
    expect(calls[0].ids).toHaveLength(2);
    await bus.stop();
  });

  it('stop() sends what is still waiting for its batch before the transport closes', async () => {
    const { transport, calls } = recording();
    const bus = createBus({ transport });
    const pending = bus.publish('t', { n: 1 }); // not awaited before stop
    await bus.stop();
    await expect(pending).resolves.toMatchObject({ topic: 't' });
    expect(calls).toHaveLength(1);
  });

  it('batching: false sends each call alone', async () => {
    const { transport, calls } = recording();
    const bus = createBus({ transport, batching: false });
    await Promise.all([bus.publish('t', 1), bus.publish('t', 2)]);
    expect(calls).toHaveLength(2);
    await bus.stop();
  });

  it('rejects bad batching options with a ConfigurationError naming them', () => {
    const transport = memoryTransport();
    expect(() => createBus({ transport, batching: { lingerMs: -1 } })).toThrow(ConfigurationError);
    expect(() => createBus({ transport, batching: { lingerMs: 5000 } })).toThrow(/batching\.lingerMs/);
    expect(() => createBus({ transport, batching: { linger: 1 } as never })).toThrow(/batching\.linger/);
    expect(() => createBus({ transport, batching: { maxMessages: 0 } })).toThrow(/batching\.maxMessages/);
  });
});
