import { ConfigurationError, type TransportCapabilities } from '@polybus/core';
import type { HandlerBindOptions } from './metadata';

/** What a bindings policy may choose by: the backend the bus runs on. */
export interface BackendInfo {
  /** `Transport.name`: 'kafka', 'rabbitmq', 'sqs', 'redis-streams', 'memory'. */
  readonly transport: string;
  /** URL scheme without the colon ('kafka', 'amqp', 'memory'), when the bus was built from a URL. */
  readonly scheme?: string;
  readonly capabilities: TransportCapabilities;
}

/** One subscription being bound. */
export interface BindingContext {
  readonly topic: string;
  /** `Class.method`, for error messages and logs. */
  readonly handler: string;
  readonly backend: BackendInfo;
}

/**
 * Turns the options a handler declares into the options bound on this backend, so one handler runs
 * with a different guarantee per broker without touching its code. Called once per subscription
 * when the bus starts; must not mutate `declared`.
 */
export type BindingsPolicy = (declared: HandlerBindOptions, context: BindingContext) => HandlerBindOptions;

type CapabilityFlag = {
  [K in keyof TransportCapabilities]-?: TransportCapabilities[K] extends boolean ? K : never;
}[keyof TransportCapabilities];

const CAPABILITY_FLAGS: readonly CapabilityFlag[] = [
  'consumerGroups',
  'competingConsumers',
  'perKeyOrdering',
  'transactions',
  'nativeDeduplication',
  'delayedRedelivery',
  'persistent',
];

/** All given fields must match; an empty match (`{}`) matches every backend. */
export interface BackendMatch {
  readonly transport?: string | readonly string[];
  readonly scheme?: string | readonly string[];
  readonly capabilities?: Partial<Record<CapabilityFlag, boolean>>;
}

export interface BackendRule {
  readonly when: BackendMatch | ((backend: BackendInfo) => boolean);
  /** Merged over the declared options (the deployment's choice wins over the handler's default). */
  readonly options: Partial<HandlerBindOptions> | ((context: BindingContext) => Partial<HandlerBindOptions>);
}

/**
 * A policy from rules, first match wins; with no match the declared options stay as they are.
 *
 * ```ts
 * bindingsByBackend([
 *   { when: { capabilities: { transactions: true } }, options: { guarantee: 'exactly-once' } },
 *   { when: {}, options: { guarantee: 'exactly-once', idempotency: PolybusTypes.IdempotencyStore } },
 * ])
 * ```
 */
export function bindingsByBackend(rules: readonly BackendRule[]): BindingsPolicy {
  validateRules(rules);
  const frozen = [...rules];
  return (declared, context) => {
    const rule = frozen.find((r) => matches(r.when, context.backend));
    if (rule === undefined) return declared;
    const chosen = typeof rule.options === 'function' ? rule.options(context) : rule.options;
    return { ...declared, ...chosen };
  };
}

function matches(when: BackendRule['when'], backend: BackendInfo): boolean {
  if (typeof when === 'function') return when(backend);
  if (when.transport !== undefined && !oneOf(when.transport, backend.transport)) return false;
  if (when.scheme !== undefined && (backend.scheme === undefined || !oneOf(when.scheme, backend.scheme)))
    return false;
  for (const [flag, wanted] of Object.entries(when.capabilities ?? {}))
    if (backend.capabilities[flag as CapabilityFlag] !== wanted) return false;
  return true;
}

function oneOf(expected: string | readonly string[], actual: string): boolean {
  return typeof expected === 'string' ? expected === actual : expected.includes(actual);
}

function validateRules(rules: readonly BackendRule[]): void {
  if (!Array.isArray(rules)) throw new ConfigurationError('rules', 'must be an array of { when, options }');
  rules.forEach((rule, i) => {
    const at = `rules[${i}]`;
    if (typeof rule !== 'object' || rule === null)
      throw new ConfigurationError(at, 'must be { when, options }');
    const { when, options } = rule;
    if (typeof when !== 'function' && (typeof when !== 'object' || when === null))
      throw new ConfigurationError(`${at}.when`, 'must be a match object or a predicate');
    if (typeof options !== 'function' && (typeof options !== 'object' || options === null))
      throw new ConfigurationError(`${at}.options`, 'must be bind options or a function returning them');
    if (typeof when === 'function') return;
    for (const key of Object.keys(when))
      if (!['transport', 'scheme', 'capabilities'].includes(key))
        throw new ConfigurationError(
          `${at}.when.${key}`,
          'unknown match field (transport, scheme, capabilities)',
        );
    for (const flag of Object.keys(when.capabilities ?? {}))
      if (!CAPABILITY_FLAGS.includes(flag as CapabilityFlag))
        throw new ConfigurationError(
          `${at}.when.capabilities.${flag}`,
          `unknown capability (${CAPABILITY_FLAGS.join(', ')})`,
        );
    if (typeof when.scheme === 'string' && when.scheme.endsWith(':'))
      throw new ConfigurationError(
        `${at}.when.scheme`,
        `write the scheme without the colon ('${when.scheme.slice(0, -1)}')`,
      );
  });
}
