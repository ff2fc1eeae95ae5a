import { Writable } from 'node:stream';
import pino from 'pino';
import winston from 'winston';
import { createBus, memoryTransport, PermanentError } from '../src';
import { createSpy, waitFor } from '../src/testing';

/** JSON lines written by a logger, parsed. */
function sink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

async function run(logger: Parameters<typeof createBus>[0]['logger']) {
  const bus = createBus({ transport: memoryTransport(), logger });
  const spy = createSpy(async (_m, ctx) => {
    ctx.log.info('handling', { step: 1 });
    throw new PermanentError('refused');
  });
  bus.bind('orders', spy.handler, { group: 'billing', deadLetter: false });
  await bus.start();
  const sent = await bus.publish('orders', { n: 1 });
  await waitFor(() => spy.calls.length > 0);
  await bus.stop(); // drains: the engine has logged the drop by now
  return sent.id;
}

describe('loggers users bring', () => {
  it('pino, given as it is: fields are kept (pino reads fields first), ctx.log carries topic, group and id', async () => {
    const { lines, stream } = sink();
    const id = await run(pino({ level: 'debug' }, stream));
    const handling = lines.find((l) => l.msg === 'handling');
    expect(handling).toMatchObject({ step: 1, topic: 'orders', group: 'billing', id });
    // The engine's own warning keeps its fields, the error under pino's `err` (stack serialized).
    const dropped = lines.find((l) => String(l.msg).startsWith('message dropped'));
    expect(dropped).toMatchObject({ topic: 'orders', group: 'billing', id, reason: 'permanent-error' });
    expect((dropped!.err as { message: string }).message).toBe('refused');
  });

  it('winston (message first, as Polybus calls it): fields and the child fields are kept', async () => {
    const { lines, stream } = sink();
    const logger = winston.createLogger({
      level: 'debug',
      format: winston.format.json(),
      transports: [new winston.transports.Stream({ stream })],
    });
    const id = await run(logger);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.find((l) => l.message === 'handling')).toMatchObject({
      step: 1,
      topic: 'orders',
      group: 'billing',
      id,
    });
  });

  it('a plain four-method logger without child gets the fields merged into each call', async () => {
    const entries: Array<[string, Record<string, unknown> | undefined]> = [];
    const record = (message: string, fields?: Record<string, unknown>) =>
      void entries.push([message, fields]);
    const id = await run({ debug: record, info: record, warn: record, error: record });
    expect(entries.find(([m]) => m === 'handling')?.[1]).toEqual({
      topic: 'orders',
      group: 'billing',
      id,
      step: 1,
    });
  });
});

describe('first hour', () => {
  it('warns once when a bus with bindings publishes before start(), and not when it publishes only', async () => {
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (message: string) => void warnings.push(message),
    };
    const publishOnly = createBus({ transport: memoryTransport(), logger });
    await publishOnly.publish('orders', { n: 1 });
    expect(warnings).toEqual([]);
    const forgot = createBus({ transport: memoryTransport(), logger });
    forgot.bind('orders', () => undefined, { group: 'billing' });
    await forgot.publish('orders', { n: 1 });
    await forgot.publish('orders', { n: 2 });
    expect(warnings).toEqual([
      'publish on a bus that was not started: its bindings consume nothing until bus.start()',
    ]);
    await Promise.all([publishOnly.stop(), forgot.stop()]);
  });
});
