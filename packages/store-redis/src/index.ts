export { redisIdempotencyStore, type RedisIdempotencyStore } from './redis-idempotency-store';
export type { RedisIdempotencyStoreOptions } from './options';
