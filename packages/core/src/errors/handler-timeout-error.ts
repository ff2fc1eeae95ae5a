import { PolybusError, type PolybusErrorOptions } from './polybus-error';

/** A handler ran past the binding's `timeoutMs`. Transient: retried like any other handler error. */
export class HandlerTimeoutError extends PolybusError {
  static readonly CODE = 'POLYBUS_HANDLER_TIMEOUT';

  constructor(message: string, options?: PolybusErrorOptions) {
    super(HandlerTimeoutError.CODE, message, options);
  }

  static override is(error: unknown): error is HandlerTimeoutError {
    return PolybusError.hasCode(error, HandlerTimeoutError.CODE);
  }
}
