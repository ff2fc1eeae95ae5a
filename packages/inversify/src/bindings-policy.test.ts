import { ConfigurationError, type TransportCapabilities } from '@polybus/core';
import { bindingsByBackend, type BackendInfo } from './bindings-policy';

const caps = (overrides: Partial<TransportCapabilities> = {}): TransportCapabilities => ({
  consumerGroups: true,
  competingConsumers: true,
  perKeyOrdering: true,
  transactions: false,
  nativeDeduplication: false,
  delayedRedelivery: true,
  persistent: true,
  ...overrides,
});
const kafka: BackendInfo = {
  transport: 'kafka',
  scheme: 'kafka',
  capabilities: caps({ transactions: true }),
};
const rabbit: BackendInfo = {
  transport: 'rabbitmq',
  scheme: 'amqp',
  capabilities: caps({ perKeyOrdering: false }),
};
const sqs: BackendInfo = { transport: 'sqs', capabilities: caps({ consumerGroups: false }) };
const declared = { group: 'billing', concurrency: 4 };
const ctx = (backend: BackendInfo) => ({ topic: 'orders', handler: 'Billing.onOrder', backend });

describe('bindingsByBackend', () => {
  const store = Symbol('store');
  const policy = bindingsByBackend([
    { when: { capabilities: { transactions: true } }, options: { guarantee: 'exactly-once' } },
    { when: { scheme: ['amqp', 'amqps'] }, options: { guarantee: 'at-least-once', idempotency: store } },
    {
      when: (b) => !b.capabilities.consumerGroups,
      options: ({ topic }) => ({ deadLetter: `${topic}.parked` }),
    },
  ]);

  it('picks the first rule that matches the backend and merges it over the declared options', () => {
    expect(policy(declared, ctx(kafka))).toEqual({
      group: 'billing',
      concurrency: 4,
      guarantee: 'exactly-once',
    });
    expect(policy(declared, ctx(rabbit))).toEqual({
      group: 'billing',
      concurrency: 4,
      guarantee: 'at-least-once',
      idempotency: store,
    });
    expect(policy(declared, ctx(sqs))).toEqual({
      group: 'billing',
      concurrency: 4,
      deadLetter: 'orders.parked',
    });
  });

  it('leaves the declared options alone when no rule matches, without mutating them', () => {
    const memory: BackendInfo = { transport: 'memory', scheme: 'memory', capabilities: caps() };
    expect(policy(declared, ctx(memory))).toBe(declared);
    expect(declared).toEqual({ group: 'billing', concurrency: 4 });
  });

  it('matches on the transport name, and an empty match matches everything', () => {
    const byName = bindingsByBackend([
      { when: { transport: 'sqs' }, options: { concurrency: 1 } },
      { when: {}, options: { concurrency: 32 } },
    ]);
    expect(byName(declared, ctx(sqs)).concurrency).toBe(1);
    expect(byName(declared, ctx(kafka)).concurrency).toBe(32);
  });

  it('refuses malformed rules with a ConfigurationError naming the field', () => {
    const fieldOf = (rules: unknown): string | undefined => {
      try {
        bindingsByBackend(rules as never);
      } catch (error) {
        return ConfigurationError.is(error) ? error.field : 'not a ConfigurationError';
      }
      return undefined;
    };
    expect(fieldOf('x')).toBe('rules');
    expect(fieldOf([{ when: {}, options: 3 }])).toBe('rules[0].options');
    expect(fieldOf([{ when: { broker: 'kafka' }, options: {} }])).toBe('rules[0].when.broker');
    expect(fieldOf([{ when: { capabilities: { exactlyOnce: true } }, options: {} }])).toBe(
      'rules[0].when.capabilities.exactlyOnce',
    );
    expect(fieldOf([{ when: { scheme: 'kafka:' }, options: {} }])).toBe('rules[0].when.scheme');
  });
});
