import { PolybusError, type PolybusErrorOptions } from './polybus-error';

/** A payload could not be decoded by the codec. Never retried: dead letter with reason `decode-error`. */
export class DecodeError extends PolybusError {
  static readonly CODE = 'POLYBUS_DECODE';

  constructor(message: string, options?: PolybusErrorOptions) {
    super(DecodeError.CODE, message, options);
  }

  static override is(error: unknown): error is DecodeError {
    return PolybusError.hasCode(error, DecodeError.CODE);
  }
}
