import { DecodeError } from '../errors/decode-error';
import { MaxAttemptsError } from '../errors/max-attempts-error';
import { PermanentError } from '../errors/permanent-error';
import { ValidationError } from '../errors/validation-error';
import type { DeadLetterReason } from '../headers';

/**
 * Which failures a retry can fix. Permanent, decode and validation errors go to the dead letter
 * at once; everything else is transient.
 */
export function classify(error: unknown): DeadLetterReason | 'transient' {
  if (PermanentError.is(error)) return 'permanent-error';
  if (DecodeError.is(error)) return 'decode-error';
  if (ValidationError.is(error)) return 'validation-error';
  if (MaxAttemptsError.is(error)) return 'max-attempts';
  return 'transient';
}
