import { PolybusError, type PolybusErrorOptions } from './polybus-error';

/** Options that are unknown, malformed or contradictory. `field` names the offending option path. */
export class ConfigurationError extends PolybusError {
  static readonly CODE = 'POLYBUS_CONFIGURATION';
  readonly field: string;

  constructor(field: string, message: string, options?: PolybusErrorOptions) {
    super(ConfigurationError.CODE, `${field}: ${message}`, options);
    this.field = field;
  }

  static override is(error: unknown): error is ConfigurationError {
    return PolybusError.hasCode(error, ConfigurationError.CODE);
  }
}
