import { PolybusError, type PolybusErrorOptions } from './polybus-error';

/**
 * A binding asked for a guarantee the transport cannot give with the options given. The message
 * says what to add; Polybus never downgrades a guarantee silently.
 */
export class GuaranteeNotSupportedError extends PolybusError {
  static readonly CODE = 'POLYBUS_GUARANTEE_NOT_SUPPORTED';
  readonly transport: string;
  readonly guarantee: string;

  constructor(transport: string, guarantee: string, message: string, options?: PolybusErrorOptions) {
    super(GuaranteeNotSupportedError.CODE, message, options);
    this.transport = transport;
    this.guarantee = guarantee;
  }

  static override is(error: unknown): error is GuaranteeNotSupportedError {
    return PolybusError.hasCode(error, GuaranteeNotSupportedError.CODE);
  }
}
