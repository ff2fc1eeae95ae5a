import { PolybusError, type PolybusErrorOptions } from './polybus-error';

/**
 * The handler's effect is recorded as completed, but the messages it published (`ctx.publish`) did
 * not reach the broker yet. The next attempt sends the kept outputs again, with their original ids,
 * without running the handler and without spending one of the binding's attempts: a completed
 * message is never dead-lettered for its outputs.
 */
export class OutputsPendingError extends PolybusError {
  static readonly CODE = 'POLYBUS_OUTPUTS_PENDING';

  constructor(message: string, options?: PolybusErrorOptions) {
    super(OutputsPendingError.CODE, message, options);
  }

  static override is(error: unknown): error is OutputsPendingError {
    return PolybusError.hasCode(error, OutputsPendingError.CODE);
  }
}
