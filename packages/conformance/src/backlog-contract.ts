import type { Transport } from '@polybus/core';
import type { ConformanceOptions } from './options';
import type { Delivery, SubscribeOptions } from '@polybus/core/transport';
import { waitFor } from '@polybus/core/testing';
import { randomBytes } from 'node:crypto';
import { testMessage } from './test-message';

/**
 * `Transport.backlog` on a real broker: `published` messages to a topic whose group exists and
 * has consumed none count `published`; after the group acked `acked` of them, `published - acked`;
 * a group (where the broker has groups: `groups`, default true) or topic it does not know is `undefined`. Counts are awaited, not read once:
 * SQS's are approximate and eventually right, Kafka commits on an interval. `transport` is
 * connected and closed by the caller.
 */
export async function expectBacklogCounts(
  transport: Transport,
  options: { topic: string; published?: number; acked?: number; groups?: boolean; timeoutMs?: number },
): Promise<void> {
  const { topic, published = 10, acked = 4, groups = true, timeoutMs = 30_000 } = options;
  const group = `g-${randomBytes(4).toString('hex')}`;
  const binding: SubscribeOptions = {
    topic,
    group,
    guarantee: 'at-least-once',
    concurrency: 1,
    ordering: 'none',
    deadLetterTopic: false,
    maxAttempts: 100,
    idempotent: false,
  };
  const backlog = () => transport.backlog!({ topic, group });
  const becomes = async (expected: number, what: string) => {
    let last: number | undefined;
    await waitFor(async () => (last = await backlog()) === expected, {
      timeoutMs,
      description: `backlog ${expected} ${what}, last read ${String(last)}`,
    });
  };

  await transport.ensureTopics?.([topic]);
  // The group comes to exist, with nothing to consume yet.
  const idle = await transport.subscribe(binding, async (d) => d.nack());
  await new Promise((resolve) => setTimeout(resolve, 500));
  await idle.close();
  await transport.publish(
    Array.from({ length: published }, (_, n) => testMessage(topic, { n })),
    { guarantee: 'at-least-once' },
  );
  await becomes(published, 'before any consumption');

  let done = 0;
  const held: Delivery[] = [];
  const consuming = await transport.subscribe(binding, async (delivery) => {
    if (done < acked) {
      await delivery.ack();
      done += 1;
    } else held.push(delivery); // concurrency 1: nothing more comes while it is held
  });
  // A delivery its handler leaves unsettled comes back to it after a while (each adapter's
  // forgotten-delivery rule), so the held one may be held again: at least one.
  await waitFor(() => done === acked && held.length >= 1, {
    timeoutMs,
    description: `${acked} acked and one held`,
  });
  await consuming.close();
  await Promise.all(held.map((d) => d.nack()));
  await becomes(published - acked, `after ${acked} acked`);

  if (groups) expect(await transport.backlog!({ topic, group: `${group}-unknown` })).toBeUndefined();
  expect(await transport.backlog!({ topic: `${topic}-unknown`, group })).toBeUndefined();
}

/**
 * The backlog contract as tests of their own: the counts above on a fresh topic, and `undefined`
 * (never a rejection) before `connect`. `groups: false` for a broker without consumer groups.
 */
export function runBacklogSuite(
  options: Pick<ConformanceOptions, 'name' | 'createTransport'> & { groups?: boolean; topic: () => string },
): void {
  describe(`backlog: ${options.name}`, () => {
    it('counts what the group has not consumed; undefined for an unknown group or topic', async () => {
      const transport = options.createTransport();
      await transport.connect();
      try {
        await expectBacklogCounts(transport, { topic: options.topic(), groups: options.groups ?? true });
      } finally {
        await transport.close();
      }
    }, 90_000);

    it('is undefined before connect', async () => {
      const transport = options.createTransport();
      try {
        expect(await transport.backlog!({ topic: options.topic(), group: 'g' })).toBeUndefined();
      } finally {
        await transport.close();
      }
    });
  });
}
