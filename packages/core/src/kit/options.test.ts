import { ConfigurationError } from '../errors/configuration-error';
import { integerOption, rejectUnknownOptions } from './options';

const fieldOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    if (ConfigurationError.is(error)) return `${error.field}: ${error.message}`;
    throw error;
  }
  return undefined;
};

describe('integerOption', () => {
  it('keeps an integer in range, takes the fallback for undefined, refuses the rest naming the field', () => {
    expect(integerOption('n', 5, 1)).toBe(5);
    expect(integerOption('n', undefined, 7)).toBe(7);
    expect(integerOption('n', undefined, undefined)).toBeUndefined();
    expect(integerOption('n', 0, 1, { min: 0 })).toBe(0);
    expect(fieldOf(() => integerOption('n', 0, 1))).toMatch(/^n: .*must be an integer >= 1, got 0/);
    expect(fieldOf(() => integerOption('n', 1.5, 1))).toMatch(/got 1.5/);
    expect(fieldOf(() => integerOption('n', '3', 1))).toMatch(/got "3"/);
    expect(fieldOf(() => integerOption('w', 21, 1, { min: 0, max: 20 }))).toMatch(/from 0 to 20, got 21/);
  });
});

describe('rejectUnknownOptions', () => {
  it('names the first unknown option and lists the known ones', () => {
    const known = new Set(['url', 'logger']);
    expect(() => rejectUnknownOptions({ url: 'x', logger: undefined }, known)).not.toThrow();
    expect(fieldOf(() => rejectUnknownOptions({ url: 'x', prefetc: 1 }, known, 'rabbitmq.'))).toMatch(
      /^rabbitmq\.prefetc: .*unknown option \(known: url, logger\)/,
    );
  });
});
