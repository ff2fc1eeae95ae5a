import { PolybusError, type PolybusErrorOptions } from './polybus-error';

/**
 * The broker could not be reached. `broker` is its kind (`RabbitMQ`, `Kafka`, ...), `address` where
 * Polybus looked for it (no credentials), `reason` the client's own words; the message also says
 * what to check.
 */
export class ConnectionError extends PolybusError {
  static readonly CODE = 'POLYBUS_CONNECTION';
  readonly broker: string;
  readonly address: string;
  readonly reason: string;

  constructor(broker: string, address: string, reason: string, check: string, options?: PolybusErrorOptions) {
    super(ConnectionError.CODE, `cannot connect to ${broker} at ${address}: ${reason}; ${check}`, options);
    this.broker = broker;
    this.address = address;
    this.reason = reason;
  }

  static override is(error: unknown): error is ConnectionError {
    return PolybusError.hasCode(error, ConnectionError.CODE);
  }
}
