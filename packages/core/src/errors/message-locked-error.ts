import { PolybusError, type PolybusErrorOptions } from './polybus-error';

/**
 * Another processor holds the idempotency lock of this message. Retried later without spending
 * one of the binding's attempts; the lock expires if its holder crashed.
 */
export class MessageLockedError extends PolybusError {
  static readonly CODE = 'POLYBUS_MESSAGE_LOCKED';

  constructor(message: string, options?: PolybusErrorOptions) {
    super(MessageLockedError.CODE, message, options);
  }

  static override is(error: unknown): error is MessageLockedError {
    return PolybusError.hasCode(error, MessageLockedError.CODE);
  }
}
