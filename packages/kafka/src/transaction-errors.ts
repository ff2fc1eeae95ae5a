/**
 * How to read an error from a kafkajs transaction step. kafkajs reports a broker's answer as a
 * `KafkaJSProtocolError` (`type`, `code`, `retriable`) and wraps it when its own retries gave up
 * (`KafkaJSNumberOfRetriesExceeded`, with `cause`) or when it refused to retry
 * (`KafkaJSNonRetriableError`, with `cause`); some paths use `originalError`. Every function here
 * walks that chain and is pure: it only reads the error.
 */

/** The fields of an error link that classification reads; any of them may be missing. */
interface ErrorLink {
  readonly type?: unknown;
  readonly code?: unknown;
  readonly name?: unknown;
  readonly message?: unknown;
  readonly retriable?: unknown;
  readonly originalError?: unknown;
  readonly cause?: unknown;
}

/** Wrappers nest a few levels at most; the bound also ends a cycle of causes. */
const MAX_DEPTH = 8;

/**
 * The coordinator refused the request and applied nothing of it; asking again later is what the
 * broker expects. kafkajs 2.2.4 names codes 14-16 by their old group-coordinator names.
 */
const COORDINATOR_REJECTIONS: ReadonlyMap<number, readonly string[]> = new Map([
  [14, ['COORDINATOR_LOAD_IN_PROGRESS', 'GROUP_LOAD_IN_PROGRESS']],
  [15, ['COORDINATOR_NOT_AVAILABLE', 'GROUP_COORDINATOR_NOT_AVAILABLE']],
  [16, ['NOT_COORDINATOR', 'NOT_COORDINATOR_FOR_GROUP']],
  [51, ['CONCURRENT_TRANSACTIONS']],
]);
const COORDINATOR_REJECTION_TYPES = new Set([...COORDINATOR_REJECTIONS.values()].flat());

/** Retriable too, but the request's outcome is unknown: it may have been applied. */
const TIMEOUT_TYPES = new Set(['REQUEST_TIMED_OUT']);
const TIMEOUT_CODE = 7;

/** Another producer took the transactional id (a newer epoch): this one may never write again. */
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);
const FENCED_CODES = new Set([47, 90]);
/** kafkajs 2.2.4 does not know code 90 (PRODUCER_FENCED) and reports it by number only. */
const UNKNOWN_FENCED_CODE = /\bUnknown error code 90\b/;

function* links(error: unknown): Generator<ErrorLink> {
  const seen = new Set<unknown>();
  let link = error;
  for (let depth = 0; depth < MAX_DEPTH && typeof link === 'object' && link !== null; depth += 1) {
    if (seen.has(link)) return;
    seen.add(link);
    const current = link as ErrorLink;
    yield current;
    link = current.originalError ?? current.cause;
  }
}

function typeOf(link: ErrorLink): string | undefined {
  if (typeof link.type === 'string') return link.type;
  return typeof link.name === 'string' ? link.name : undefined;
}

function isFencedLink(link: ErrorLink): boolean {
  const type = typeOf(link);
  if (type !== undefined && FENCED_TYPES.has(type)) return true;
  if (typeof link.code === 'number' && FENCED_CODES.has(link.code)) return true;
  const message = typeof link.message === 'string' ? link.message : '';
  return /fenced/i.test(message) || UNKNOWN_FENCED_CODE.test(message);
}

function isCoordinatorRejectionLink(link: ErrorLink): boolean {
  const type = typeOf(link);
  if (type !== undefined && COORDINATOR_REJECTION_TYPES.has(type)) return true;
  return typeof link.code === 'number' && COORDINATOR_REJECTIONS.has(link.code);
}

/**
 * The producer was fenced (INVALID_PRODUCER_EPOCH, PRODUCER_FENCED, or a message saying so, also
 * inside a `KafkaJSNonRetriableError`): a newer owner of the transactional id exists, so neither a
 * retry nor a new producer of ours may write for this partition.
 */
export function isFencedTransactionError(error: unknown): boolean {
  for (const link of links(error)) if (isFencedLink(link)) return true;
  return false;
}

/**
 * A coordinator refused the request and applied nothing (CONCURRENT_TRANSACTIONS,
 * COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, by name or code).
 * False for fenced errors.
 */
export function isCoordinatorRejection(error: unknown): boolean {
  let rejected = false;
  for (const link of links(error)) {
    if (isFencedLink(link)) return false;
    rejected ||= isCoordinatorRejectionLink(link);
  }
  return rejected;
}

/**
 * The transaction step may succeed if tried again after a pause: a coordinator rejection (see
 * `isCoordinatorRejection`), REQUEST_TIMED_OUT, or any link of the chain that kafkajs marks
 * `retriable: true` (a connection error, a request timeout), including the cause inside a
 * `KafkaJSNumberOfRetriesExceeded`. Always false when the producer was fenced, and false for
 * errors without such a mark (a `KafkaJSNonRetriableError` whose cause is not retriable, a
 * TypeError, a kafkajs transaction-state exception).
 */
export function isRetriableTransactionError(error: unknown): boolean {
  let retriable = false;
  for (const link of links(error)) {
    if (isFencedLink(link)) return false;
    const type = typeOf(link);
    retriable ||=
      isCoordinatorRejectionLink(link) ||
      (type !== undefined && TIMEOUT_TYPES.has(type)) ||
      link.code === TIMEOUT_CODE ||
      link.retriable === true;
  }
  return retriable;
}
