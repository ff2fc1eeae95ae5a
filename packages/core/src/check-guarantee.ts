import type { ResolvedBinding } from './bind-options';
import { GuaranteeNotSupportedError } from './errors/guarantee-not-supported-error';
import type { SubscribeOptions, Transport } from './transport';

export function toSubscribeOptions(binding: ResolvedBinding): SubscribeOptions {
  return {
    topic: binding.topic,
    group: binding.group,
    guarantee: binding.guarantee,
    concurrency: binding.concurrency,
    ordering: binding.ordering,
    deadLetterTopic: binding.deadLetter,
    maxAttempts: binding.retry.maxAttempts,
    idempotent: binding.idempotency !== undefined,
  };
}

/**
 * Refuses a binding the transport cannot honour with the options given, saying what to add.
 * Nothing is downgraded silently.
 */
export function checkGuarantee(
  binding: ResolvedBinding,
  transport: Transport,
  existing: readonly SubscribeOptions[],
): void {
  const caps = transport.capabilities;
  // The transport first: its refusal can say more (SQS: why FIFO dedup alone is not exactly-once).
  transport.validateSubscription?.(toSubscribeOptions(binding), existing);
  if (binding.guarantee === 'exactly-once' && !binding.idempotency && !caps.transactions)
    throw new GuaranteeNotSupportedError(
      transport.name,
      binding.guarantee,
      `exactly-once on '${binding.topic}' (group '${binding.group}') needs an idempotency store on ${transport.name}: ` +
        `add \`idempotency: memoryIdempotencyStore()\` for one process, or redisIdempotencyStore(...) / postgresInbox(...) ` +
        `from @polybus/store-redis / @polybus/store-postgres`,
    );
  if (binding.ordering === 'per-key' && !caps.perKeyOrdering)
    throw new GuaranteeNotSupportedError(
      transport.name,
      binding.guarantee,
      `ordering: 'per-key' on '${binding.topic}': the ${transport.name} transport does not keep per-key order ` +
        `with the options given; use ordering: 'none' or a transport that partitions by key`,
    );
}
