// `@polybus/core/transport`: what an adapter is written against — the transport SPI (the contract
// in `../transport.ts`) and the small kit every adapter builds on. Users need none of it.
export type {
  SubscribeOptions,
  Subscription,
  Delivery,
  DeliveryHandler,
  DeliveryTransaction,
  Coordinates,
  TransportFromUrl,
  TransportContext,
} from '../transport';
export type { DeadLetterAccess, DeadLetterBatch, StoredDeadLetter } from '../dead-letter-access';
export { payloadBuffer, payloadBytesAtMost } from '../message';
export { encodeMessage } from '../encode';
export { deadLetterHeaders, type EnvelopeInput } from '../engine/envelope';
export { backoffDelay, type BackoffPolicy } from '../engine/backoff';
export { sleep } from '../engine/sleep';
export { Slots } from './slots';
export { KeySerializer } from './key-serializer';
export { KeyedGate, type GateJob } from './keyed-gate';
export {
  integerOption,
  optionNames,
  rejectUnknownOptions,
  rejectUnknownParams,
  type IntegerRange,
} from './options';
export { copyWithHeaders } from './message-copy';
export { withoutCredentials } from './address';
export { fitWithin, messageBytes, type WireSize } from './fit-within';
export { carriedAttempt } from './attempt';
export { withTimeout } from './with-timeout';
export { OutageLog, type OutageMessages } from './outage-log';
export {
  retryInPlace,
  settleForgotten,
  FORGOTTEN_DELAY_MS,
  type InPlaceRetryHost,
  type NextAttempt,
} from './in-place-retry';
