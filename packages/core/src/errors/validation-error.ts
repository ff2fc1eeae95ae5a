import { PolybusError, type PolybusErrorOptions } from './polybus-error';

export interface ValidationIssue {
  message: string;
  path?: ReadonlyArray<PropertyKey>;
}

/** A message body failed the binding's Standard Schema. Never retried: dead letter with `validation-error`. */
export class ValidationError extends PolybusError {
  static readonly CODE = 'POLYBUS_VALIDATION';
  readonly issues: readonly ValidationIssue[];

  constructor(issues: readonly ValidationIssue[], options?: PolybusErrorOptions) {
    const summary = issues
      .slice(0, 5)
      .map((i) => (i.path?.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
      .join('; ');
    super(ValidationError.CODE, `message failed validation: ${summary}`, options);
    this.issues = issues;
  }

  static override is(error: unknown): error is ValidationError {
    return PolybusError.hasCode(error, ValidationError.CODE);
  }
}
