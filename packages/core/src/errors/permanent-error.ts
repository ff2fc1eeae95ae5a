import { PolybusError, type PolybusErrorOptions } from './polybus-error';

/** Thrown by a handler for a failure that no retry can fix: the message goes to the dead letter at once (reason `permanent-error`). */
export class PermanentError extends PolybusError {
  static readonly CODE = 'POLYBUS_PERMANENT';

  constructor(message: string, options?: PolybusErrorOptions) {
    super(PermanentError.CODE, message, options);
  }

  static override is(error: unknown): error is PermanentError {
    return PolybusError.hasCode(error, PermanentError.CODE);
  }
}
