import { PolybusError, type PolybusErrorOptions } from './polybus-error';

/** The idempotency store could not be reached. Fail-closed bindings leave the delivery unacked so it comes back later; nothing is lost. */
export class IdempotencyStoreUnavailableError extends PolybusError {
  static readonly CODE = 'POLYBUS_IDEMPOTENCY_STORE_UNAVAILABLE';

  constructor(message: string, options?: PolybusErrorOptions) {
    super(IdempotencyStoreUnavailableError.CODE, message, options);
  }

  static override is(error: unknown): error is IdempotencyStoreUnavailableError {
    return PolybusError.hasCode(error, IdempotencyStoreUnavailableError.CODE);
  }
}
