import { PolybusError } from '@polybus/core';

/**
 * A workload process failed on its own (not by an injected fault): it could not start its bus,
 * or exited non-zero. The run has no verdict then; `output` is the end of the process's stderr.
 */
export class WorkerFailedError extends PolybusError {
  static readonly CODE = 'POLYBUS_VERIFY_WORKER_FAILED';

  constructor(
    readonly worker: string,
    readonly reason: string,
    readonly output: string,
  ) {
    super(
      WorkerFailedError.CODE,
      `workload process ${worker} failed: ${reason}${output ? `\n${output}` : ''}`,
    );
  }

  static override is(error: unknown): error is WorkerFailedError {
    return PolybusError.hasCode(error, WorkerFailedError.CODE);
  }
}
