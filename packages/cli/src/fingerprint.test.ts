import { errorFingerprint } from './fingerprint';

describe('errorFingerprint', () => {
  it('takes numbers, UUIDs and hex ids out, keeps the words', () => {
    expect(errorFingerprint('PermanentError: bad order 4711 (id 0190f5e2-7c1a-7b2e-9f00-1a2b3c4d5e6f)')).toBe(
      'PermanentError: bad order <n> (id <id>)',
    );
    expect(errorFingerprint('Error: timeout after 1.5 s on 10.0.0.7:5432')).toBe(
      'Error: timeout after <n> s on <n>',
    );
    expect(errorFingerprint('row deadbeef42 locked by 0x1f, tx 9f86d081884c7d65')).toBe(
      'row <id> locked by <id>, tx <id>',
    );
  });

  it('keeps different errors apart and words that look like hex intact', () => {
    expect(errorFingerprint('decode failed')).not.toBe(errorFingerprint('validation failed'));
    expect(errorFingerprint('accepted  facade\n')).toBe('accepted facade');
    expect(errorFingerprint(undefined)).toBe('(no error text)');
  });
});
