import type { Delivery, Logger, MessageHeaders, TransportMessage } from '@polybus/core';
import type { Redis } from 'ioredis';
import type { Acker } from './acker';
import { xaddArgs } from './publisher';

/** What a delivery needs from its subscription. */
export interface DeliveryContext {
  readonly stream: string;
  readonly group: string;
  /** at-most-once reads with NOACK: the entry left the pending list when it was read. */
  readonly noAck: boolean;
  readonly commands: Redis;
  readonly acker: Acker;
  readonly logger: Logger;
  /** Called once, on the first settlement: frees the concurrency slot. */
  settled(entryId: string, outcome: 'ack' | 'nack' | 'dead-letter'): void;
  /** Keeps the entry pending and hands it over again after `delayMs` with `attempt`. */
  redeliver(entryId: string, message: TransportMessage, delayMs: number, attempt: number): void;
}

/**
 * One delivery of one stream entry. `nack` leaves the entry in the group's pending list (so a crash
 * during the delay still ends in a claim by another member) and this consumer reclaims it after the
 * delay; `deadLetter` writes the copy and acks the original in one MULTI.
 */
export function createDelivery(
  ctx: DeliveryContext,
  entryId: string,
  message: TransportMessage,
  attempt: number,
): Delivery & { readonly isSettled: () => boolean } {
  let settled = false;
  const settle = (outcome: 'ack' | 'nack' | 'dead-letter'): boolean => {
    if (settled) {
      ctx.logger.warn('redis-streams: delivery settled twice; the second settlement is ignored', {
        stream: ctx.stream,
        entryId,
        outcome,
      });
      return false;
    }
    settled = true;
    ctx.settled(entryId, outcome);
    return true;
  };
  return {
    message,
    attempt,
    coordinates: { 'stream-entry-id': entryId },
    isSettled: () => settled,
    async ack() {
      if (!settle('ack') || ctx.noAck) return;
      await ctx.acker.ack(entryId);
    },
    async nack(options) {
      if (!settle('nack') || ctx.noAck) return;
      ctx.redeliver(entryId, message, Math.max(0, options?.delayMs ?? 0), Math.max(options?.attempt ?? 0, attempt + 1));
    },
    async deadLetter(topic: string, headers: MessageHeaders) {
      if (!settle('dead-letter')) return;
      const copy: TransportMessage = { ...message, topic, headers: { ...message.headers, ...headers } };
      // The dead-letter stream is never trimmed by us: it is where operators look for lost work.
      const multi = ctx.commands.multi().xadd(...(xaddArgs(copy, undefined) as [string, ...string[]]));
      if (!ctx.noAck) multi.xack(ctx.stream, ctx.group, entryId);
      const results = await multi.exec();
      const failed = results?.find(([error]) => error !== null);
      if (!results || failed) throw failed?.[0] ?? new Error('dead-letter MULTI was discarded');
    },
  };
}
