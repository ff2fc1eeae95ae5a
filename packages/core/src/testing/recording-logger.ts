import type { LogFields, Logger } from '../logger';

export interface RecordedLog {
  readonly message: string;
  readonly fields?: LogFields;
}

/** A logger for tests: keeps every warning (message and fields) in `warnings`, drops the rest. */
export interface RecordingLogger extends Logger {
  readonly warnings: RecordedLog[];
}

export function recordingLogger(): RecordingLogger {
  const warnings: RecordedLog[] = [];
  const noop = (): void => undefined;
  return {
    warnings,
    debug: noop,
    info: noop,
    error: noop,
    warn: (message, fields) => void warnings.push({ message, fields }),
  };
}
