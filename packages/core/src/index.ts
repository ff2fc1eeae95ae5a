export { PolybusError, type PolybusErrorOptions } from './errors/polybus-error';
export { ConfigurationError } from './errors/configuration-error';
export { GuaranteeNotSupportedError } from './errors/guarantee-not-supported-error';
export { PermanentError } from './errors/permanent-error';
export { DecodeError } from './errors/decode-error';
export { PublishError } from './errors/publish-error';
export { ValidationError, type ValidationIssue } from './errors/validation-error';
export { IdempotencyStoreUnavailableError } from './errors/idempotency-store-unavailable-error';
export { HandlerTimeoutError } from './errors/handler-timeout-error';
export { Headers, type DeadLetterReason } from './headers';
export { uuidv7 } from './id';
export { jsonCodec, bytesCodec, type Codec } from './codec';
export { consoleLogger, silentLogger, type Logger, type LogFields } from './logger';
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
export { payloadBuffer, payloadBytesAtMost } from './message';
export type {
  Transport,
  TransportCapabilities,
  TransportHealth,
  SubscribeOptions,
  Subscription,
  Delivery,
  DeliveryHandler,
  DeliveryTransaction,
  Coordinates,
  TransportFromUrl,
} from './transport';
export type { IdempotencyStore, IdempotencyScope, AcquireResult } from './idempotency-store';
export { MessageLockedError } from './errors/message-locked-error';
export { OutputsPendingError } from './errors/outputs-pending-error';
export { idempotencyKeyPrefix } from './engine/idempotency';
export { MaxAttemptsError } from './errors/max-attempts-error';
export type { StandardSchemaV1 } from './standard-schema';
export type { Handler, HandlerContext } from './handler';
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
export { backoffDelay } from './engine/backoff';
export { deadLetterHeaders, type EnvelopeInput } from './engine/envelope';
export { encodeMessage } from './encode';
export { transportFromUrl } from './transport-loader';
export {
  memoryTransport,
  type MemoryTransport,
  type MemoryTransportOptions,
} from './memory/memory-transport';
export { memoryBroker, MemoryBroker, type MemoryGroupStats } from './memory/memory-broker';
export type { MemoryFaults } from './memory/memory-faults';
export {
  memoryIdempotencyStore,
  type MemoryIdempotencyStoreOptions,
} from './memory/memory-idempotency-store';
export { createSpy, type HandlerSpy, type SpyCall, type SpyMatch } from './testing/handler-spy';
export { waitFor, type WaitOptions } from './testing/wait-for';
export { recordingLogger, type RecordedLog, type RecordingLogger } from './testing/recording-logger';
export { bridge, type Bridge, type BridgeOptions, type BridgeStats } from './bridge';
