export type LogFields = Record<string, unknown>;

/**
 * Structured logger: message first, fields second (winston's and console's order; any object with
 * these four methods works). `child`, when present, returns a logger that adds `fields` to every
 * entry (winston and pino have one); Polybus uses it for the handler's `ctx.log`. A pino or bunyan
 * logger (fields first) given to `createBus` is wrapped with `pinoLogger` automatically.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child?(fields: LogFields): Logger;
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

/** A logger that adds `fields` to every entry of `logger`: its own `child` where it has one. */
export function childLogger(logger: Logger, fields: LogFields): Logger {
  if (typeof logger.child === 'function') return logger.child(fields);
  const merge = (more?: LogFields): LogFields => (more === undefined ? fields : { ...fields, ...more });
  return {
    debug: (message, more) => logger.debug(message, merge(more)),
    info: (message, more) => logger.info(message, merge(more)),
    warn: (message, more) => logger.warn(message, merge(more)),
    error: (message, more) => logger.error(message, merge(more)),
    child: (extra) => childLogger(logger, { ...fields, ...extra }),
  };
}

/** The part of a pino (or bunyan) logger Polybus calls: fields first, then the message. */
export interface PinoLike {
  debug(fields: LogFields, message: string): void;
  info(fields: LogFields, message: string): void;
  warn(fields: LogFields, message: string): void;
  error(fields: LogFields, message: string): void;
  child(bindings: LogFields): PinoLike;
}

/**
 * A pino logger as a Polybus `Logger`: pino reads `(fields, message)`, so a call in Polybus's order
 * would log the message and drop every field. An `error` field is passed as `err`, where pino's
 * serializer prints its stack.
 */
export function pinoLogger(pino: PinoLike): Logger {
  const fieldsOf = (fields?: LogFields): LogFields => {
    if (fields === undefined) return {};
    if (!(fields.error instanceof Error) || 'err' in fields) return fields;
    const { error, ...rest } = fields;
    return { ...rest, err: error };
  };
  return {
    debug: (message, fields) => pino.debug(fieldsOf(fields), message),
    info: (message, fields) => pino.info(fieldsOf(fields), message),
    warn: (message, fields) => pino.warn(fieldsOf(fields), message),
    error: (message, fields) => pino.error(fieldsOf(fields), message),
    child: (fields) => pinoLogger(pino.child(fields)),
  };
}

/**
 * Whether `logger` is a pino (or bunyan) logger, which takes fields first: pino instances carry
 * `bindings()` and a `levels` table, bunyan ones `fields` and `streams`. Winston's take the
 * message first, as Polybus calls them, and are used as they are.
 */
export function isPinoLike(logger: unknown): logger is PinoLike {
  const l = logger as Record<string, unknown> | null;
  if (typeof l !== 'object' || l === null || typeof l.child !== 'function') return false;
  return (
    (typeof l.bindings === 'function' && typeof l.levels === 'object') ||
    (Array.isArray(l.streams) && typeof l.fields === 'object')
  );
}
