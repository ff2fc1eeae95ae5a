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
export { jsonCodec, type Codec } from './codec';
export { consoleLogger, silentLogger, type Logger, type LogFields } from './logger';
export type {
  Message,
  MessageHeaders,
  TransportMessage,
  Guarantee,
  PublishOptions,
  BatchEntry,
  PublishReceipt,
} from './message';
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
