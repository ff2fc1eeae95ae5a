import 'reflect-metadata';
import type { BindOptions, IdempotencyStore } from '@polybus/core';
import type { ServiceIdentifier } from 'inversify';

/** A store instance, or the container identifier of one (resolved when the bus starts). */
export type IdempotencyRef = IdempotencyStore | ServiceIdentifier<IdempotencyStore>;

/** Core `BindOptions`, except that the idempotency store may come from the container. */
export type HandlerBindOptions = Omit<BindOptions, 'idempotency'> & { idempotency?: IdempotencyRef };

/** One `@Subscribe` on one method. */
export interface SubscriptionMetadata {
  readonly topic: string;
  readonly method: string | symbol;
  readonly options: HandlerBindOptions;
}

const HANDLER_KEY = Symbol.for('polybus.inversify.handler');
const SUBSCRIPTIONS_KEY = Symbol.for('polybus.inversify.subscriptions');
// Inversify 7 keeps no public "is injectable" query; this is the flag its @injectable() sets
// (@inversifyjs/core, pinned by our peer range). Checked so a forgotten @injectable fails at start
// with our message instead of a resolution error deep inside the container.
const INVERSIFY_INJECTABLE_KEY = '@inversifyjs/core/classIsInjectableFlagReflectKey';

// Any class: decorators receive the constructor, whatever its parameters.
type Constructor = Function;

export function markHandlerClass(target: Constructor): void {
  Reflect.defineMetadata(HANDLER_KEY, true, target);
}

export function isHandlerClass(target: Constructor): boolean {
  return Reflect.getOwnMetadata(HANDLER_KEY, target) === true;
}

export function isInjectableClass(target: Constructor): boolean {
  return Reflect.getOwnMetadata(INVERSIFY_INJECTABLE_KEY, target) === true;
}

export function addSubscription(target: Constructor, subscription: SubscriptionMetadata): void {
  // Copy, never push: the array read may be inherited from a base class's metadata.
  Reflect.defineMetadata(SUBSCRIPTIONS_KEY, [...subscriptionsOf(target), subscription], target);
}

/** Subscriptions declared on the class and its base classes, in declaration order. */
export function subscriptionsOf(target: Constructor): readonly SubscriptionMetadata[] {
  return (Reflect.getMetadata(SUBSCRIPTIONS_KEY, target) as SubscriptionMetadata[] | undefined) ?? [];
}
