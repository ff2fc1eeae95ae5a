export { redisStreamsTransport } from './transport';
export { createTransportFromUrl } from './url';
export type { RedisStreamsOptions } from './options';
export { Fields as StreamEntryFields } from './wire';
