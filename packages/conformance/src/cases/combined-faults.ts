import {
  Headers,
  memoryIdempotencyStore,
  PermanentError,
  type Bus,
  type Guarantee,
  type Message,
} from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import type { ConformanceCase } from '../case';
import { waitMs } from '../case';
import type { Harness } from '../harness';

/**
 * One row of the guarantee table: what must hold when every fault below happens in one run.
 * Counted per business key (one key is one business event, published twice as a producer retry
 * would) and per delivered message id.
 */
interface Row {
  readonly guarantee: Guarantee;
  /** Every good key has its effect and output; every poison key reaches the dead letter. */
  readonly lossless: boolean;
  /** No good key's effect (nor its output's effect downstream) is applied twice. */
  readonly oneEffectPerKey: boolean;
  /** No delivered message id runs the handler twice. */
  readonly oneRunPerMessage: boolean;
}

const TABLE: readonly Row[] = [
  { guarantee: 'at-most-once', lossless: false, oneEffectPerKey: false, oneRunPerMessage: true },
  { guarantee: 'at-least-once', lossless: true, oneEffectPerKey: false, oneRunPerMessage: false },
  { guarantee: 'exactly-once', lossless: true, oneEffectPerKey: true, oneRunPerMessage: false },
];

/** Every tenth key is poison: its handler throws a PermanentError, before any effect. */
const isPoison = (n: number): boolean => n % 10 === 3;

/** Fails transiently `rate` of the calls, deterministically. */
function flaky(rate: number): () => boolean {
  let n = 0;
  return () => ((n++ * 7919) % 100) / 100 < rate;
}

const bump = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);

interface Body {
  key: string;
  n: number;
}

/**
 * All faults at once, for one guarantee: transient handler failures (20 % of calls, before the
 * effect), poison messages (a PermanentError), each business event published twice under one
 * idempotency key (the second copy one batch later, so it meets the first in flight or after its
 * completion), two consumers in one group, one of which stops (a 0.5 s drain) a third of the way
 * through, and a handler that publishes an output (`ctx.publish`) read downstream by an
 * exactly-once consumer. The row of the guarantee table says what must hold.
 */
function combinedCase(row: Row): ConformanceCase {
  return {
    name: `combined faults (transient + poison + duplicate publishes + two consumers, one stopping): ${row.guarantee}`,
    timeoutMs: 300_000,
    async run(h) {
      const topic = h.topic(`cf-${row.guarantee}`);
      const outTopic = `${topic}.out`;
      const total = Math.max(40, Math.floor((h.options.loadMessages ?? 2_000) / 8));
      const keys = Array.from({ length: total }, (_, n) => `key-${n}`);
      const good = keys.filter((_, n) => !isPoison(n));
      const poison = keys.filter((_, n) => isPoison(n));

      const effects = new Map<string, number>();
      const runs = new Map<string, number>();
      const outputIds = new Map<string, Set<string>>();
      const outputEffects = new Map<string, number>();
      const deadKeys = new Map<string, string>();
      const fail = flaky(0.2);
      const store = row.guarantee === 'at-most-once' ? undefined : memoryIdempotencyStore();

      const handler = async (m: Message<Body>, ctx: { publish: Bus['publish'] }): Promise<void> => {
        bump(runs, m.id);
        if (isPoison(m.body.n)) throw new PermanentError(`poison ${m.body.key}`);
        if (fail()) throw new Error('injected transient failure before the effect');
        bump(effects, m.body.key);
        await ctx.publish(outTopic, { key: m.body.key, n: m.body.n }, { key: m.body.key });
      };
      const consumers = [h.bus(), h.bus()];
      for (const bus of consumers) {
        bus.bind<Body>(topic, handler, {
          group: h.group('g'),
          guarantee: row.guarantee,
          idempotency: store,
          concurrency: 8,
          ...(row.guarantee === 'at-most-once'
            ? { deadLetter: false as const }
            : { retry: { maxAttempts: 20, initialDelayMs: 5, maxDelayMs: 50, immediateAttempts: 3 } }),
        });
        await bus.start();
      }

      const downstream = h.bus();
      downstream.bind<Body>(
        outTopic,
        (m) => {
          bump(outputEffects, m.body.key);
          (outputIds.get(m.body.key) ?? outputIds.set(m.body.key, new Set()).get(m.body.key)!).add(m.id);
        },
        { group: h.group('down'), guarantee: 'exactly-once', idempotency: memoryIdempotencyStore() },
      );
      if (row.guarantee !== 'at-most-once')
        downstream.bind<Body>(
          `${topic}.dlq`,
          (m) => void deadKeys.set(m.body.key, m.headers[Headers.dlqReason] ?? ''),
          { group: h.group('dlq') },
        );
      await downstream.start();

      const publisher = h.bus();
      const guarantee = row.guarantee === 'at-most-once' ? 'at-most-once' : 'at-least-once';
      const entry = (n: number) => ({ topic, body: { key: keys[n]!, n }, idempotencyKey: keys[n]! });
      const batch = 20;
      let stopped: Promise<void> | undefined;
      for (let i = 0; i <= total; i += batch) {
        // first copies of this slice, second copies of the previous one
        const firsts = Array.from({ length: Math.min(batch, total - i) }, (_, j) => entry(i + j));
        const seconds = Array.from({ length: i === 0 ? 0 : batch }, (_, j) => entry(i - batch + j));
        await publisher.publishBatch([...firsts, ...seconds], { guarantee });
        if (!stopped && effects.size >= total / 3) stopped = consumers[1]!.stop({ timeoutMs: 500 });
      }
      if (!stopped) {
        await waitFor(() => effects.size >= total / 3, { timeoutMs: waitMs(h) }).catch(() => undefined);
        stopped = consumers[1]!.stop({ timeoutMs: 500 });
      }
      await stopped;

      // at-most-once loses what the stopped consumer had taken, so it may never reach one copy's
      // worth of runs: it is settled once the runs stop growing for a while.
      const runCount = (): number => [...runs.values()].reduce((a, b) => a + b, 0);
      let lastCount = -1;
      let changedAt = Date.now();
      const quiet = (): boolean => {
        const count = runCount();
        if (count !== lastCount) [lastCount, changedAt] = [count, Date.now()];
        return count >= total || (count > 0 && Date.now() - changedAt >= 3_000);
      };
      const settled = (): boolean =>
        row.lossless
          ? good.every((k) => effects.has(k) && outputEffects.has(k)) && poison.every((k) => deadKeys.has(k))
          : quiet();
      await waitFor(settled, { timeoutMs: waitMs(h) * 4 }).catch(() => undefined);
      // Stragglers (a late redelivery, a duplicate output) get a moment to show themselves.
      await new Promise((r) => setTimeout(r, 1_000));

      const report = {
        lost: row.lossless ? good.filter((k) => !effects.has(k)).slice(0, 20) : [],
        outputsLost: row.lossless ? good.filter((k) => !outputEffects.has(k)).slice(0, 20) : [],
        notDeadLettered: row.lossless ? poison.filter((k) => !deadKeys.has(k)).slice(0, 20) : [],
        deadLetterReasons: row.lossless ? [...new Set(deadKeys.values())] : [],
        poisonEffects: poison.filter((k) => effects.has(k)),
        goodDeadLettered: good.filter((k) => deadKeys.has(k)),
        doubleEffects: row.oneEffectPerKey
          ? [...effects]
              .filter(([, n]) => n > 1)
              .map(([k]) => k)
              .slice(0, 20)
          : [],
        doubleOutputs: row.oneEffectPerKey
          ? good
              .filter((k) => (outputIds.get(k)?.size ?? 0) > 1 || (outputEffects.get(k) ?? 0) > 1)
              .slice(0, 20)
          : [],
        doubleRuns: row.oneRunPerMessage
          ? [...runs]
              .filter(([, n]) => n > 1)
              .map(([id]) => id)
              .slice(0, 20)
          : [],
      };
      expect(report).toEqual({
        lost: [],
        outputsLost: [],
        notDeadLettered: [],
        deadLetterReasons: row.lossless ? ['permanent-error'] : [],
        poisonEffects: [],
        goodDeadLettered: [],
        doubleEffects: [],
        doubleOutputs: [],
        doubleRuns: [],
      });
      expect(effects.size).toBeGreaterThan(0);
    },
  };
}

export const combinedFaultCases: ConformanceCase[] = TABLE.map(combinedCase);
