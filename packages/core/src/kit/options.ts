import { ConfigurationError } from '../errors/configuration-error';

/** Bounds of an integer option; both inclusive. */
export interface IntegerRange {
  readonly min?: number;
  readonly max?: number;
}

/**
 * An integer option checked at construction: `value` when it is an integer within `range`
 * (default: at least 1), `fallback` when undefined, else a `ConfigurationError` naming `field`.
 */
export function integerOption(field: string, value: unknown, fallback: number, range?: IntegerRange): number;
export function integerOption(
  field: string,
  value: unknown,
  fallback: number | undefined,
  range?: IntegerRange,
): number | undefined;
export function integerOption(
  field: string,
  value: unknown,
  fallback: number | undefined,
  range: IntegerRange = {},
): number | undefined {
  if (value === undefined) return fallback;
  const { min = 1, max } = range;
  if (
    typeof value !== 'number' ||
    !Number.isInteger(value) ||
    value < min ||
    (max !== undefined && value > max)
  )
    throw new ConfigurationError(
      field,
      `must be an integer ${max === undefined ? `>= ${min}` : `from ${min} to ${max}`}, got ${JSON.stringify(value)}`,
    );
  return value;
}

/**
 * Throws a `ConfigurationError` for the first own property of `options` not in `known`: a
 * misspelt option would otherwise be ignored in silence. `prefix` names a nested object
 * (`'consumer.'`).
 */
export function rejectUnknownOptions(options: object, known: ReadonlySet<string>, prefix = ''): void {
  for (const name of Object.keys(options))
    if (!known.has(name))
      throw new ConfigurationError(`${prefix}${name}`, `unknown option (known: ${[...known].join(', ')})`);
}

/**
 * The option names of an options interface, as the set `rejectUnknownOptions` takes. The compiler
 * checks the list against the interface (`optionNames<MyOptions>({ a: true, b: true })`): a name
 * missing from it or not in the interface is a type error, so the list cannot drift.
 */
export function optionNames<T extends object>(names: Record<keyof T, true>): ReadonlySet<string> {
  return new Set(Object.keys(names));
}

/**
 * Throws a `ConfigurationError` (`url.<name>`) for the first query parameter of a transport URL not
 * in `known`: `?prefech=10` would otherwise be ignored in silence.
 */
export function rejectUnknownParams(params: URLSearchParams, known: ReadonlySet<string>): void {
  for (const name of params.keys())
    if (!known.has(name))
      throw new ConfigurationError(
        `url.${name}`,
        `unknown query parameter (known: ${known.size === 0 ? 'none' : [...known].join(', ')})`,
      );
}
