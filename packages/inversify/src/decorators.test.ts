import 'reflect-metadata';
import { ConfigurationError } from '@polybus/core';
import { injectable } from 'inversify';
import { MessageHandler, Subscribe } from './decorators';
import { isHandlerClass, isInjectableClass, subscriptionsOf } from './metadata';

describe('@MessageHandler / @Subscribe', () => {
  it('records each subscribed method with its topic and options, in declaration order', () => {
    @injectable()
    @MessageHandler()
    class Billing {
      @Subscribe('orders.placed', { group: 'billing', guarantee: 'exactly-once' })
      async onPlaced(): Promise<void> {}

      @Subscribe('orders.cancelled', { group: 'billing', concurrency: 2 })
      async onCancelled(): Promise<void> {}
    }
    expect(isHandlerClass(Billing)).toBe(true);
    expect(isInjectableClass(Billing)).toBe(true);
    expect(subscriptionsOf(Billing)).toEqual([
      {
        topic: 'orders.placed',
        method: 'onPlaced',
        options: { group: 'billing', guarantee: 'exactly-once' },
      },
      { topic: 'orders.cancelled', method: 'onCancelled', options: { group: 'billing', concurrency: 2 } },
    ]);
  });

  it('lets a subclass inherit subscriptions without adding its own to the base class', () => {
    class Base {
      @Subscribe('a', { group: 'g' })
      async onA(): Promise<void> {}
    }
    @MessageHandler()
    class Derived extends Base {
      @Subscribe('b', { group: 'g' })
      async onB(): Promise<void> {}
    }
    expect(subscriptionsOf(Derived).map((s) => s.topic)).toEqual(['a', 'b']);
    expect(subscriptionsOf(Base).map((s) => s.topic)).toEqual(['a']);
    expect(isHandlerClass(Base)).toBe(false);
    expect(isInjectableClass(Derived)).toBe(false);
  });

  it('refuses an empty topic, a missing group and static methods with a ConfigurationError', () => {
    const errorOf = (fn: () => unknown): unknown => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      return undefined;
    };
    const empty = errorOf(() => Subscribe('', { group: 'g' }));
    expect(ConfigurationError.is(empty) && empty.field).toBe('topic');

    const noGroup = errorOf(() => Subscribe('t', {} as never));
    expect(ConfigurationError.is(noGroup) && noGroup.field).toBe("@Subscribe('t').group");

    const onStatic = errorOf(() => {
      class Static {
        @Subscribe('t', { group: 'g' })
        static async handle(): Promise<void> {}
      }
      return Static;
    });
    expect(ConfigurationError.is(onStatic) && onStatic.field).toBe('Static.handle');
  });
});
