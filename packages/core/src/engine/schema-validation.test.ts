import { ValidationError } from '../errors/validation-error';
import type { StandardSchemaV1 } from '../standard-schema';
import { schemaValidation } from './schema-validation';
import { processing } from './test-support';

const positive: StandardSchemaV1<unknown, { amount: number }> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: async (v) => {
      const amount = (v as { amount?: unknown }).amount;
      return typeof amount === 'number' && amount > 0
        ? { value: { amount: Math.round(amount) } }
        : { issues: [{ message: 'must be positive', path: [{ key: 'amount' }] }] };
    },
  },
};

function withBody(body: unknown) {
  const p = processing();
  p.message = { id: '1', topic: 't', headers: {}, body, timestamp: 0 };
  return p;
}

describe('schemaValidation', () => {
  it('hands the schema’s output to the rest of the chain', async () => {
    const p = withBody({ amount: 2.4 });
    let seen: unknown;
    await schemaValidation(positive)(async (q) => void (seen = q.message!.body))(p);
    expect(seen).toEqual({ amount: 2 });
  });

  it('throws ValidationError with the issues and paths', async () => {
    const error = await schemaValidation(positive)(async () => undefined)(withBody({ amount: -1 })).catch(
      (e: unknown) => e,
    );
    expect(ValidationError.is(error)).toBe(true);
    expect((error as ValidationError).issues).toEqual([{ message: 'must be positive', path: ['amount'] }]);
    expect((error as Error).message).toContain('amount: must be positive');
  });
});
