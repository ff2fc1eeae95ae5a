/**
 * The OpenTelemetry messaging semantic-convention names this package writes. They are copied here
 * rather than imported: the messaging ones live in `@opentelemetry/semantic-conventions/incubating`,
 * which its authors advise against depending on, and a peer dependency on the API alone keeps the
 * install to what the application already has.
 */
export const Attr = {
  system: 'messaging.system',
  operationName: 'messaging.operation.name',
  operationType: 'messaging.operation.type',
  destination: 'messaging.destination.name',
  consumerGroup: 'messaging.consumer.group.name',
  messageId: 'messaging.message.id',
  errorType: 'error.type',
  /** Polybus's own: the 1-based attempt (`ctx.attempt`), counted across retries and redeliveries. */
  attempt: 'polybus.attempt',
} as const;

/** Transport names (`Transport.name`) whose semantic-convention value is another word. */
const SYSTEMS: Readonly<Record<string, string>> = { sqs: 'aws_sqs' };

/** `messaging.system` for a transport name; names without a well-known value pass through. */
export const messagingSystem = (transportName: string): string => SYSTEMS[transportName] ?? transportName;

/** `error.type`: the error's class name (semantic conventions: low cardinality), else `_OTHER`. */
export const errorType = (error: unknown): string =>
  error instanceof Error ? error.constructor.name || error.name : '_OTHER';
