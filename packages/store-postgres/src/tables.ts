import { ConfigurationError } from '@polybus/core';

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Where the package's tables live. Names are validated here so they can be spliced into SQL. */
export interface Tables {
  readonly inbox: string;
  readonly outbox: string;
  /** Bare (unquoted) name of the LISTEN/NOTIFY channel and index/trigger name stem. */
  readonly outboxName: string;
  readonly inboxName: string;
  readonly schema: string | undefined;
}

export interface TableOptions {
  /** Prepended to table names: `${prefix}inbox`, `${prefix}outbox`. Default `polybus_`. */
  prefix?: string;
  /** Schema holding the tables. Default: the connection's search_path (usually `public`). */
  schema?: string;
}

function identifier(field: string, value: string, allowEmpty: boolean): string {
  if (
    typeof value !== 'string' ||
    (value.length === 0 ? !allowEmpty : !IDENTIFIER.test(value)) ||
    value.length > 40
  )
    throw new ConfigurationError(
      field,
      `must be lower-case letters, digits and '_' (at most 40), got '${String(value)}'`,
    );
  return value;
}

export function resolveTables(options: TableOptions): Tables {
  const prefix = identifier('prefix', options.prefix ?? 'polybus_', true);
  const schema = options.schema === undefined ? undefined : identifier('schema', options.schema, false);
  const qualify = (name: string): string => (schema ? `"${schema}"."${name}"` : `"${name}"`);
  return {
    inbox: qualify(`${prefix}inbox`),
    outbox: qualify(`${prefix}outbox`),
    inboxName: `${prefix}inbox`,
    outboxName: schema ? `${schema}_${prefix}outbox` : `${prefix}outbox`,
    schema,
  };
}
