export { PolybusError, type PolybusErrorOptions } from './errors/polybus-error';
export { ConfigurationError } from './errors/configuration-error';
export { GuaranteeNotSupportedError } from './errors/guarantee-not-supported-error';
export { PermanentError } from './errors/permanent-error';
export { DecodeError } from './errors/decode-error';
export { PublishError } from './errors/publish-error';
export { ConnectionError } from './errors/connection-error';
export { ValidationError, type ValidationIssue } from './errors/validation-error';
export { IdempotencyStoreUnavailableError } from './errors/idempotency-store-unavailable-error';
export { HandlerTimeoutError } from './errors/handler-timeout-error';
export { Headers, type DeadLetterReason } from './headers';
export { uuidv7 } from './id';
export { jsonCodec, bytesCodec, type Codec } from './codec';
// For codec authors: a payload is text or bytes, whichever the broker delivered.
export { payloadBuffer } from './message';
export {
  childLogger,
  consoleLogger,
  pinoLogger,
  silentLogger,
  type Logger,
  type LogFields,
  type PinoLike,
} from './logger';
export type {
  Message,
  MessageHeaders,
  TransportMessage,
  Payload,
  Guarantee,
  PublishOptions,
  BatchEntry,
  PublishReceipt,
} from './message';
// The adapter SPI is `@polybus/core/transport`; these are the transport types a user meets.
export type { Transport, TransportCapabilities, TransportHealth } from './transport';
export type { IdempotencyStore, IdempotencyScope, AcquireResult } from './idempotency-store';
export { MessageLockedError } from './errors/message-locked-error';
export { OutputsPendingError } from './errors/outputs-pending-error';
export { idempotencyKeyPrefix } from './engine/idempotency';
export { MaxAttemptsError } from './errors/max-attempts-error';
export type { StandardSchemaV1 } from './standard-schema';
export type { Handler, HandlerContext } from './handler';
export type { Middleware } from './middleware';
export type { BindOptions, RetryOptions, ResolvedBinding, ResolvedRetry } from './bind-options';
export { DEFAULT_RETRY } from './bind-options';
export {
  createBus,
  type Bus,
  type BusOptions,
  type BusHealth,
  type BindingHealth,
  type BusState,
} from './bus';
export type { BindingCounters } from './engine/counters';
export type { BatchingOptions } from './publish-batcher';
export { transportFromUrl } from './transport-loader';
export {
  memoryTransport,
  type MemoryTransport,
  type MemoryTransportOptions,
} from './memory/memory-transport';
export { memoryBroker, MemoryBroker, type MemoryGroupStats } from './memory/memory-broker';
export {
  memoryIdempotencyStore,
  type MemoryIdempotencyStoreOptions,
} from './memory/memory-idempotency-store';
// Test doubles are `@polybus/core/testing`.
export type { ShutdownSignals } from './shutdown-signals';
