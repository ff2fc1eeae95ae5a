export type LogFields = Record<string, unknown>;

/** Structured logger. Any object with these four methods works (pino, winston, console wrappers). */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

const noop = (): void => undefined;

/** Default: warnings and errors to the console, debug and info dropped. */
export const consoleLogger: Logger = {
  debug: noop,
  info: noop,
  warn: (message, fields) => console.warn(`[polybus] ${message}`, fields ?? ''),
  error: (message, fields) => console.error(`[polybus] ${message}`, fields ?? ''),
};

export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };
