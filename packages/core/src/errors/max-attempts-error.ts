import { PolybusError, type PolybusErrorOptions } from './polybus-error';

/** The binding's last attempt failed; `cause` is the last handler error. Dead letter: `max-attempts`. */
export class MaxAttemptsError extends PolybusError {
  static readonly CODE = 'POLYBUS_MAX_ATTEMPTS';
  readonly attempts: number;

  constructor(attempts: number, options: PolybusErrorOptions) {
    super(MaxAttemptsError.CODE, `failed after ${attempts} attempt(s): ${describe(options.cause)}`, options);
    this.attempts = attempts;
  }

  static override is(error: unknown): error is MaxAttemptsError {
    return PolybusError.hasCode(error, MaxAttemptsError.CODE);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
