export { rabbitmqTransport } from './transport';
export { createTransportFromUrl, optionsFromUrl } from './url';
export { DEFAULT_RETRY_DELAYS_MS, type RabbitmqTransportOptions } from './options';
export { groupQueueName, retainedQueueName, retryQueueName } from './naming';
export { AmqpHeaders } from './wire';
export { PropertyHeaders } from './properties';
