import { DecodeError } from '../errors/decode-error';
import { HandlerTimeoutError } from '../errors/handler-timeout-error';
import { PermanentError } from '../errors/permanent-error';
import { ValidationError } from '../errors/validation-error';
import { classify } from './classify';

describe('classify', () => {
  it.each([
    [new PermanentError('x'), 'permanent-error'],
    [new DecodeError('x'), 'decode-error'],
    [new ValidationError([{ message: 'x' }]), 'validation-error'],
    [new HandlerTimeoutError('x'), 'transient'],
    [new TypeError('x'), 'transient'],
    ['a string', 'transient'],
  ])('%p → %s', (error, kind) => {
    expect(classify(error)).toBe(kind);
  });

  it('recognises errors from another copy of core by their code, not their class', () => {
    const foreign = Object.assign(new Error('x'), { code: 'POLYBUS_PERMANENT' });
    Object.defineProperty(foreign, Symbol.for('polybus.error'), { value: true });
    expect(classify(foreign)).toBe('permanent-error');
  });
});
