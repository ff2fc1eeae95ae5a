import { bytesCodec, Headers, PermanentError, uuidv7 } from '@polybus/core';
import { createSpy, waitFor } from '@polybus/core/testing';
import type { ConformanceCase } from '../case';
import { waitMs } from '../case';
import type { Harness } from '../harness';
import { DEFAULT_RETRY_FOR_TESTS } from '../options';

function deadLetterSpy(h: Harness, topic: string) {
  const spy = createSpy<Buffer>();
  return {
    spy,
    bind: (bus: ReturnType<Harness['bus']>) =>
      bus.bind(`${topic}.dlq`, spy.handler, { group: h.group('dlq'), codec: bytesCodec }),
  };
}

export const failureCases: ConformanceCase[] = [
  {
    name: 'a failed attempt is delivered again and counted',
    async run(h) {
      const topic = h.topic('redeliver');
      const bus = h.bus();
      const spy = createSpy(async (_m, ctx) => {
        if (ctx.attempt === 1) throw new Error('first attempt fails');
      });
      bus.bind(topic, spy.handler, {
        group: h.group('g'),
        retry: { ...DEFAULT_RETRY_FOR_TESTS, ...h.options.retry },
      });
      await bus.start();
      const sent = await bus.publish(topic, { n: 1 });
      await spy.waitFor({ id: sent.id }, { timeoutMs: waitMs(h) });
      expect(spy.calls.map((c) => [c.attempt, c.outcome])).toEqual([
        [1, 'failed'],
        [2, 'succeeded'],
      ]);
    },
  },
  {
    name: 'retries then dead letter with the full envelope',
    async run(h) {
      const topic = h.topic('retries');
      const retry = { ...DEFAULT_RETRY_FOR_TESTS, ...h.options.retry };
      const bus = h.bus();
      const spy = createSpy(async () => {
        throw new Error('boom: always fails');
      });
      const dlq = deadLetterSpy(h, topic);
      bus.bind(topic, spy.handler, { group: h.group('g'), retry });
      dlq.bind(bus);
      await bus.start();
      const sent = await bus.publish(topic, { order: 7 }, { key: 'k-7', headers: { 'x-trace': 't-1' } });
      const dead = await dlq.spy.waitFor({ id: sent.id }, { timeoutMs: waitMs(h) * 2 });
      const failedAttempts = spy.calls.filter((c) => c.message.id === sent.id).map((c) => c.attempt);
      expect(failedAttempts).toEqual(Array.from({ length: retry.maxAttempts! }, (_, i) => i + 1));
      expect(dead.key).toBe('k-7');
      expect(JSON.parse(dead.body.toString('utf8'))).toEqual({ order: 7 });
      expect(dead.headers).toMatchObject({
        'x-trace': 't-1',
        [Headers.dlqReason]: 'max-attempts',
        [Headers.dlqSource]: topic,
        [Headers.dlqGroup]: h.group('g'),
        [Headers.dlqAttempts]: String(retry.maxAttempts),
      });
      expect(dead.headers[Headers.dlqError]).toContain('boom: always fails');
      expect(Number.isNaN(Date.parse(dead.headers[Headers.dlqFailedAt]))).toBe(false);
    },
  },
  {
    name: 'a permanent error goes straight to the dead letter',
    async run(h) {
      const topic = h.topic('permanent');
      const bus = h.bus();
      const spy = createSpy(async () => {
        throw new PermanentError('negative amount');
      });
      const dlq = deadLetterSpy(h, topic);
      bus.bind(topic, spy.handler, {
        group: h.group('g'),
        retry: { ...DEFAULT_RETRY_FOR_TESTS, ...h.options.retry },
      });
      dlq.bind(bus);
      await bus.start();
      const sent = await bus.publish(topic, { amount: -1 });
      const dead = await dlq.spy.waitFor({ id: sent.id }, { timeoutMs: waitMs(h) });
      expect(spy.calls).toHaveLength(1);
      expect(dead.headers[Headers.dlqReason]).toBe('permanent-error');
      expect(dead.headers[Headers.dlqAttempts]).toBe('1');
      expect(dead.headers[Headers.dlqError]).toContain('negative amount');
    },
  },
  {
    name: 'user middleware runs on every attempt; isPermanent dead-letters a classified error at once; a filter acks',
    async run(h) {
      const topic = h.topic('middleware');
      const bus = h.bus();
      class DriverConstraintError extends Error {}
      const seenByMiddleware: string[] = [];
      const spy = createSpy<{ kind: string }>(async (m, ctx) => {
        if (m.body.kind === 'flaky' && ctx.attempt === 1) throw new Error('transient');
        if (m.body.kind === 'constraint') throw new DriverConstraintError('duplicate key value');
      });
      const dlq = deadLetterSpy(h, topic);
      bus.bind(topic, spy.handler, {
        group: h.group('g'),
        retry: { ...DEFAULT_RETRY_FOR_TESTS, ...h.options.retry },
        isPermanent: (error) => error instanceof DriverConstraintError,
        use: [
          async (m, ctx, next) => {
            seenByMiddleware.push(`${(m.body as { kind: string }).kind}@${ctx.attempt}`);
            if (m.headers['x-tenant'] !== 'acme') return; // not ours: skipped and acked
            await next();
          },
        ],
      });
      dlq.bind(bus);
      await bus.start();
      const tenant = { headers: { 'x-tenant': 'acme' } };
      const flaky = await bus.publish(topic, { kind: 'flaky' }, tenant);
      const constraint = await bus.publish(topic, { kind: 'constraint' }, tenant);
      await bus.publish(topic, { kind: 'foreign' }, { headers: { 'x-tenant': 'other' } });
      await spy.waitFor({ id: flaky.id }, { timeoutMs: waitMs(h) });
      const dead = await dlq.spy.waitFor({ id: constraint.id }, { timeoutMs: waitMs(h) });
      expect(dead.headers[Headers.dlqReason]).toBe('permanent-error');
      expect(dead.headers[Headers.dlqAttempts]).toBe('1');
      expect(spy.calls.filter((c) => c.message.id === constraint.id)).toHaveLength(1);
      await waitFor(() => seenByMiddleware.includes('foreign@1'), { timeoutMs: waitMs(h) });
      expect(seenByMiddleware.filter((s) => s.startsWith('flaky'))).toEqual(['flaky@1', 'flaky@2']);
      expect(spy.calls.some((c) => c.message.body.kind === 'foreign')).toBe(false);
    },
  },
  {
    name: 'an undecodable payload goes to the dead letter and the consumer goes on',
    async run(h) {
      const topic = h.topic('undecodable');
      const bus = h.bus();
      const spy = createSpy<{ ok: boolean }>();
      const dlq = deadLetterSpy(h, topic);
      bus.bind(topic, spy.handler, { group: h.group('g') });
      dlq.bind(bus);
      await bus.start();
      const raw = await h.transport();
      const garbage = Buffer.from('{"broken json');
      await raw.publish([{ id: uuidv7(), topic, headers: {}, payload: garbage, timestamp: Date.now() }], {
        guarantee: 'at-least-once',
      });
      const after = await bus.publish(topic, { ok: true });
      await spy.waitFor({ id: after.id }, { timeoutMs: waitMs(h) });
      const dead = await dlq.spy.waitFor((m) => m.body.equals(garbage), { timeoutMs: waitMs(h) });
      expect(dead.headers[Headers.dlqReason]).toBe('decode-error');
      expect(spy.processed.map((m) => m.body)).toEqual([{ ok: true }]);
    },
  },
  {
    name: 'JSON bytes that are not UTF-8 go to the dead letter with decode-error, their bytes intact',
    async run(h) {
      const topic = h.topic('not-utf8');
      const bus = h.bus();
      const spy = createSpy<{ name: string }>();
      const dlq = deadLetterSpy(h, topic);
      bus.bind(topic, spy.handler, { group: h.group('g') });
      dlq.bind(bus);
      await bus.start();
      const raw = await h.transport();
      // Valid JSON syntax around two bytes that are no UTF-8: decoded leniently, the handler would
      // get U+FFFD in their place and never know.
      const bytes = Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
      const headers = { [Headers.contentType]: 'application/json' };
      await raw.publish([{ id: uuidv7(), topic, headers, payload: bytes, timestamp: Date.now() }], {
        guarantee: 'at-least-once',
      });
      const after = await bus.publish(topic, { name: 'ok' });
      await spy.waitFor({ id: after.id }, { timeoutMs: waitMs(h) });
      const dead = await dlq.spy.waitFor((m) => m.body.equals(bytes), { timeoutMs: waitMs(h) });
      expect(dead.headers[Headers.dlqReason]).toBe('decode-error');
      expect(dead.headers[Headers.dlqError]).toContain('not valid UTF-8');
      expect(spy.processed.map((m) => m.body)).toEqual([{ name: 'ok' }]);
    },
  },
  {
    name: 'a body that fails the schema goes to the dead letter with validation-error',
    async run(h) {
      const topic = h.topic('schema');
      const bus = h.bus();
      const spy = createSpy<{ amount: number }>();
      const dlq = deadLetterSpy(h, topic);
      const schema = {
        '~standard': {
          version: 1 as const,
          vendor: 'conformance',
          validate: (value: unknown) =>
            typeof (value as { amount?: unknown })?.amount === 'number'
              ? { value: value as { amount: number } }
              : { issues: [{ message: 'amount must be a number', path: ['amount'] }] },
        },
      };
      bus.bind(topic, spy.handler, { group: h.group('g'), schema });
      dlq.bind(bus);
      await bus.start();
      const bad = await bus.publish(topic, { amount: 'ten' });
      const good = await bus.publish(topic, { amount: 10 });
      await spy.waitFor({ id: good.id }, { timeoutMs: waitMs(h) });
      const dead = await dlq.spy.waitFor({ id: bad.id }, { timeoutMs: waitMs(h) });
      expect(dead.headers[Headers.dlqReason]).toBe('validation-error');
      expect(dead.headers[Headers.dlqError]).toContain('amount: amount must be a number');
      expect(spy.processed.map((m) => m.id)).toEqual([good.id]);
    },
  },
];
