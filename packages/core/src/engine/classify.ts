import { DecodeError } from '../errors/decode-error';
import { MaxAttemptsError } from '../errors/max-attempts-error';
import { PermanentError } from '../errors/permanent-error';
import { ValidationError } from '../errors/validation-error';
import type { DeadLetterReason } from '../headers';

/**
 * Which failures a retry can fix. Permanent, decode and validation errors go to the dead letter
 * at once, and so do the errors the binding's `isPermanent` says are; everything else is
 * transient. A classifier that throws is ignored (the error stays transient): it must not turn
 * one failure into another.
 */
export function classify(
  error: unknown,
  isPermanent?: (error: unknown) => boolean,
): DeadLetterReason | 'transient' {
  if (PermanentError.is(error)) return 'permanent-error';
  if (DecodeError.is(error)) return 'decode-error';
  if (ValidationError.is(error)) return 'validation-error';
  if (MaxAttemptsError.is(error)) return 'max-attempts';
  if (isPermanent !== undefined && permanentBy(isPermanent, error)) return 'permanent-error';
  return 'transient';
}

function permanentBy(isPermanent: (error: unknown) => boolean, error: unknown): boolean {
  try {
    return isPermanent(error) === true;
  } catch {
    return false;
  }
}
