import type { Transport } from '@polybus/core';
import type { Delivery, DeliveryHandler, SubscribeOptions, Subscription } from '@polybus/core/transport';
import { waitFor } from '@polybus/core/testing';
import { waitMs, type ConformanceCase } from '../case';
import type { Harness } from '../harness';
import { testMessage } from '../test-message';

/**
 * The transport layer of the suite: these cases drive `Transport` and `Delivery` directly, without a
 * bus, so a transport that breaks the SPI contract (`core/src/transport.ts`) fails here even where
 * the core would hide it.
 */

const bodyOf = (d: Delivery): { name: string } =>
  JSON.parse(Buffer.from(d.message.payload).toString()) as { name: string };

async function subscribed(
  h: Harness,
  label: string,
  handler: DeliveryHandler,
  options: Partial<SubscribeOptions> = {},
): Promise<{ transport: Transport; topic: string; subscription: Subscription; options: SubscribeOptions }> {
  const transport = await h.transport();
  const topic = options.topic ?? h.topic(label);
  await transport.ensureTopics?.([topic]);
  const full: SubscribeOptions = {
    topic,
    group: h.group(label),
    guarantee: 'at-least-once',
    concurrency: 10,
    ordering: 'none',
    deadLetterTopic: false,
    maxAttempts: 5,
    idempotent: false,
    ...options,
  };
  const subscription = await transport.subscribe(full, handler);
  return { transport, topic, subscription, options: full };
}

const publish = (t: Transport, topic: string, ...names: string[]): Promise<void> =>
  t.publish(
    names.map((name) => testMessage(topic, { name })),
    { guarantee: 'at-least-once' },
  );

/** A grace period after a marker arrived, for a wrong redelivery to show up if there is one. */
const GRACE_MS = 1_500;
const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Counts handlers running at once: `during(ms)` is one handler's work; `most` the peak seen. */
function concurrencyMeter(): { readonly most: number; during(ms: number): Promise<void> } {
  let open = 0;
  let most = 0;
  return {
    get most() {
      return most;
    },
    async during(ms) {
      open += 1;
      most = Math.max(most, open);
      await pause(ms);
      open -= 1;
    },
  };
}

export const transportContractCases: ConformanceCase[] = [
  {
    name: 'transport: a delivery settles once; ack, nack and ack again after the first ack change nothing',
    async run(h) {
      const seen: string[] = [];
      const { transport, topic } = await subscribed(h, 'settle-once', async (d) => {
        seen.push(bodyOf(d).name);
        await d.ack();
        await d.ack();
        await d.nack({ attempt: d.attempt + 1 });
      });
      await publish(transport, topic, 'first');
      await waitFor(() => seen.includes('first'), { timeoutMs: waitMs(h) });
      await publish(transport, topic, 'marker');
      await waitFor(() => seen.includes('marker'), { timeoutMs: waitMs(h) });
      await pause(GRACE_MS);
      expect(seen.sort()).toEqual(['first', 'marker']);
    },
  },
  {
    name: 'transport: a nack is delivered again with the attempt it carries',
    async run(h) {
      const attempts: number[] = [];
      const { transport, topic } = await subscribed(h, 'nack-attempt', async (d) => {
        attempts.push(d.attempt);
        if (d.attempt < 3) await d.nack({ attempt: d.attempt + 1 });
        else await d.ack();
      });
      await publish(transport, topic, 'retried');
      await waitFor(() => attempts.length >= 3, {
        timeoutMs: 2 * (h.options.redeliveryMs ?? 30_000) + waitMs(h),
      });
      expect(attempts.slice(0, 3)).toEqual([1, 2, 3]);
    },
  },
  {
    name: 'transport: never more than `concurrency` unsettled deliveries at once, and none lost',
    async run(h) {
      const meter = concurrencyMeter();
      const done = new Set<string>();
      const { transport, topic } = await subscribed(
        h,
        'bound',
        async (d) => {
          await meter.during(20);
          await d.ack();
          done.add(bodyOf(d).name);
        },
        { concurrency: 3 },
      );
      const names = Array.from({ length: 30 }, (_, n) => `m${n}`);
      await publish(transport, topic, ...names);
      await waitFor(() => done.size === names.length, { timeoutMs: waitMs(h) });
      expect(meter.most).toBeLessThanOrEqual(3);
      expect(meter.most).toBeGreaterThan(0);
    },
  },
  {
    name: 'transport: the bound holds while nacked deliveries come back after their delay, and none is lost',
    async run(h) {
      // A delayed redelivery must wait for a free slot like a new message: with concurrency 1 the
      // handler never runs twice at once, however redeliveries, reads and a late publish interleave.
      const meter = concurrencyMeter();
      const done = new Set<string>();
      const { transport, topic } = await subscribed(
        h,
        'bound-nack',
        async (d) => {
          await meter.during(5);
          if (d.attempt === 1) return d.nack({ delayMs: 10, attempt: 2 });
          await d.ack();
          done.add(bodyOf(d).name);
        },
        { concurrency: 1 },
      );
      const names = Array.from({ length: 12 }, (_, n) => `m${n}`);
      await publish(transport, topic, ...names.slice(0, 8));
      await pause(30);
      await publish(transport, topic, ...names.slice(8));
      await waitFor(() => done.size === names.length, {
        timeoutMs: 2 * (h.options.redeliveryMs ?? 30_000) + waitMs(h),
      });
      expect(meter.most).toBe(1);
    },
  },
  {
    name: 'transport: a delivery settled after its subscription closed stays settled for the next subscriber',
    async run(h) {
      let held: Delivery | undefined;
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      // The handler is still running when its subscription closes; it settles afterwards.
      const first = await subscribed(h, 'after-close', async (d) => {
        held = d;
        await released;
      });
      await publish(first.transport, first.topic, 'held');
      await waitFor(() => held !== undefined, { timeoutMs: waitMs(h) });
      await first.subscription.close();
      await held!.ack();
      release();
      const seen: string[] = [];
      const second = await subscribed(
        h,
        'after-close',
        async (d) => {
          seen.push(bodyOf(d).name);
          await d.ack();
        },
        { topic: first.topic, group: first.options.group },
      );
      await publish(second.transport, first.topic, 'marker');
      await waitFor(() => seen.includes('marker'), {
        timeoutMs: (h.options.redeliveryMs ?? 30_000) + waitMs(h),
      });
      await pause(GRACE_MS);
      expect(seen).toEqual(['marker']);
    },
  },
  {
    name: 'transport: a delivery its handler left unsettled frees its slot and is delivered again',
    async run(h) {
      // The handler contract says a handler settles before it resolves; one that does not (a bug,
      // a nack that failed) must cost neither the message nor the binding's capacity.
      const seen: string[] = [];
      const { transport, topic } = await subscribed(
        h,
        'unsettled',
        async (d) => {
          const name = bodyOf(d).name;
          seen.push(name);
          if (name === 'forgotten' && seen.filter((n) => n === name).length === 1) return; // not settled
          await d.ack();
        },
        { concurrency: 1 },
      );
      await publish(transport, topic, 'forgotten');
      await waitFor(() => seen.includes('forgotten'), { timeoutMs: waitMs(h) });
      await publish(transport, topic, 'next');
      await waitFor(() => seen.includes('next') && seen.filter((n) => n === 'forgotten').length === 2, {
        timeoutMs: (h.options.redeliveryMs ?? 30_000) + waitMs(h),
        description: 'the next message, and the unsettled one again',
      });
    },
  },
];
