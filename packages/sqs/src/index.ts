export { sqsTransport } from './transport';
export { createSqsClient } from './client';
export { createTransportFromUrl } from './url';
export type { SqsTransportOptions, SqsCredentials } from './options';
export { queueNameFor, MAX_QUEUE_NAME, type FifoMode, type QueueName } from './queue-name';
export { POLYBUS_ATTRIBUTE } from './wire';
