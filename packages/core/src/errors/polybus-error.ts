const BRAND = Symbol.for('polybus.error');

export interface PolybusErrorOptions {
  cause?: unknown;
}

/**
 * Base of every error Polybus throws. `code` is stable across releases; `name` equals the class
 * name. `PolybusError.is(err)` works even when two copies of @polybus/core are installed, where
 * `instanceof` would not.
 */
export class PolybusError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: PolybusErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }

  static is(error: unknown): error is PolybusError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true;
  }

  /** Brand check for one subclass by its stable code (survives duplicate installs). */
  protected static hasCode(error: unknown, code: string): boolean {
    return PolybusError.is(error) && error.code === code;
  }
}
