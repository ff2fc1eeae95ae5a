import { PolybusError } from '@polybus/core';

/**
 * `complete` was given more outputs than `maxOutputBytes` allows. The completion mark is recorded
 * all the same (the effect happened); only the outputs are not kept, so a crash before they reach
 * the broker loses them. Raise `maxOutputBytes`, or publish large results elsewhere.
 */
export class OutputsTooLargeError extends PolybusError {
  static readonly CODE = 'POLYBUS_OUTPUTS_TOO_LARGE';

  constructor(
    readonly key: string,
    readonly bytes: number,
    readonly maxOutputBytes: number,
  ) {
    super(
      OutputsTooLargeError.CODE,
      `outputs of ${key} are ${bytes} bytes, more than maxOutputBytes (${maxOutputBytes}): completion recorded, outputs not kept`,
    );
  }

  static override is(error: unknown): error is OutputsTooLargeError {
    return PolybusError.hasCode(error, OutputsTooLargeError.CODE);
  }
}
