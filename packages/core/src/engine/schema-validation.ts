import { ValidationError } from '../errors/validation-error';
import type { StandardSchemaV1 } from '../standard-schema';
import type { Policy } from './processing';

/**
 * Checks the decoded body against a Standard Schema and hands the schema's output (which may be
 * transformed) to the handler. A failure throws `ValidationError`: dead letter, never retried.
 */
export function schemaValidation(schema: StandardSchemaV1): Policy {
  const validate = schema['~standard'].validate;
  return (next) => async (p) => {
    const message = p.message!;
    const result = await validate(message.body);
    if (result.issues) {
      throw new ValidationError(
        result.issues.map((issue) => ({
          message: issue.message,
          path: issue.path?.map((part) => (typeof part === 'object' ? part.key : part)),
        })),
      );
    }
    if (result.value !== message.body) p.message = { ...message, body: result.value };
    return next(p);
  };
}
