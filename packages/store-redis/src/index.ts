export { redisIdempotencyStore, type RedisIdempotencyStore } from './redis-idempotency-store';
export { OutputsTooLargeError } from './outputs-too-large-error';
export type { RedisIdempotencyStoreOptions } from './options';
