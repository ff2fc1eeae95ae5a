import { PolybusError, type PolybusErrorOptions } from './polybus-error';

/** The broker did not accept a publish. `reason` carries the broker's own words. */
export class PublishError extends PolybusError {
  static readonly CODE = 'POLYBUS_PUBLISH';
  readonly topic: string;
  readonly reason: string;

  constructor(topic: string, reason: string, options?: PolybusErrorOptions) {
    super(PublishError.CODE, `publish to '${topic}' failed: ${reason}`, options);
    this.topic = topic;
    this.reason = reason;
  }

  static override is(error: unknown): error is PublishError {
    return PolybusError.hasCode(error, PublishError.CODE);
  }
}
