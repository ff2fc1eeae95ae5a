import {
  ConfigurationError,
  createBus,
  GuaranteeNotSupportedError,
  memoryIdempotencyStore,
  memoryTransport,
  type BindOptions,
  type Transport,
} from '@polybus/core';

const handler = () => undefined;

function bindError(
  options: unknown,
  transport: Transport = memoryTransport({ namespace: 'bind-validation' }),
): unknown {
  try {
    createBus({ transport }).bind('orders', handler, options as BindOptions);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('bind-time validation', () => {
  it.each([
    [{}, 'group'],
    [{ group: '' }, 'group'],
    [{ group: 'g', guarantee: 'twice' }, 'guarantee'],
    [{ group: 'g', concurency: 4 }, 'concurency'],
    [{ group: 'g', concurrency: 0 }, 'concurrency'],
    [{ group: 'g', concurrency: 1.5 }, 'concurrency'],
    [{ group: 'g', retry: { maxAttempts: 0 } }, 'retry.maxAttempts'],
    [{ group: 'g', retry: { maxAtempts: 3 } }, 'retry.maxAtempts'],
    [{ group: 'g', retry: { initialDelayMs: 500, maxDelayMs: 100 } }, 'retry.maxDelayMs'],
    [{ group: 'g', retry: { multiplier: 0.5 } }, 'retry.multiplier'],
    [{ group: 'g', ordering: 'sorted' }, 'ordering'],
    [{ group: 'g', deadLetter: 'orders' }, 'deadLetter'],
    [{ group: 'g', idempotency: {} }, 'idempotency'],
    [{ group: 'g', schema: { parse: () => 1 } }, 'schema'],
    [{ group: 'g', timeoutMs: -5 }, 'timeoutMs'],
    [{ group: 'g', guarantee: 'at-most-once', retry: { maxAttempts: 3 } }, 'retry'],
    [{ group: 'g', guarantee: 'at-most-once', idempotency: memoryIdempotencyStore() }, 'idempotency'],
  ])('%j → ConfigurationError naming %s', (options, field) => {
    const error = bindError(options);
    expect(ConfigurationError.is(error)).toBe(true);
    expect((error as ConfigurationError).field).toBe(field);
    expect((error as Error).message.startsWith(`${field}:`)).toBe(true);
  });

  it('refuses a topic bound twice for one group', () => {
    const bus = createBus({ transport: memoryTransport({ namespace: 'bind-validation' }) });
    bus.bind('orders', handler, { group: 'g' });
    expect(() => bus.bind('orders', handler, { group: 'g' })).toThrow(ConfigurationError);
    expect(() => bus.bind('orders', handler, { group: 'other' })).not.toThrow();
  });

  it('refuses exactly-once without an idempotency store on a transport without transactions, saying what to add', () => {
    const error = bindError({ group: 'g', guarantee: 'exactly-once' });
    expect(GuaranteeNotSupportedError.is(error)).toBe(true);
    expect((error as Error).message).toMatch(/needs an idempotency store.*memoryIdempotencyStore/);
    expect((error as GuaranteeNotSupportedError).guarantee).toBe('exactly-once');
  });

  it('accepts exactly-once with a store, or on a transport with native transactions', () => {
    expect(
      bindError({ group: 'g', guarantee: 'exactly-once', idempotency: memoryIdempotencyStore() }),
    ).toBeUndefined();
    const transactional = {
      ...memoryTransport(),
      capabilities: { ...memoryTransport().capabilities, transactions: true },
    };
    expect(bindError({ group: 'g', guarantee: 'exactly-once' }, transactional)).toBeUndefined();
  });

  it('refuses per-key ordering on a transport that cannot keep it', () => {
    const unordered = {
      ...memoryTransport(),
      capabilities: { ...memoryTransport().capabilities, perKeyOrdering: false },
    };
    expect(GuaranteeNotSupportedError.is(bindError({ group: 'g', ordering: 'per-key' }, unordered))).toBe(
      true,
    );
  });

  it('with a URL, the check runs at start, before anything is consumed', async () => {
    const bus = createBus({ url: 'memory://bind-validation-url' });
    bus.bind('orders', handler, { group: 'g', guarantee: 'exactly-once' });
    await expect(bus.start()).rejects.toThrow(GuaranteeNotSupportedError);
    expect((await bus.health()).state).toBe('idle');
  });

  it('lets the transport refuse what only it knows about', async () => {
    const transport = {
      ...memoryTransport({ namespace: 'bind-validation' }),
      validateSubscription: () => {
        throw new ConfigurationError('group', 'this broker allows one group per topic');
      },
    };
    expect((bindError({ group: 'g' }, transport) as ConfigurationError).field).toBe('group');
  });
});
