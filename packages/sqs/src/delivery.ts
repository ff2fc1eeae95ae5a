import type { Coordinates, Delivery, MessageHeaders, TransportMessage } from '@polybus/core';

export interface DeliveryParts {
  readonly message: TransportMessage;
  readonly attempt: number;
  readonly coordinates: Coordinates;
  readonly ack: () => Promise<void>;
  readonly nack: (delayMs: number | undefined, attempt: number | undefined) => Promise<void>;
  readonly deadLetter: (topic: string, headers: MessageHeaders) => Promise<void>;
}

/**
 * A Delivery whose settle methods run at most once between them: a second settle is ignored, so a
 * slip in the caller cannot delete a message that a nack already gave back.
 */
export function createDelivery(parts: DeliveryParts): Delivery {
  let settled = false;
  const once =
    <A extends unknown[]>(settle: (...args: A) => Promise<void>) =>
    async (...args: A): Promise<void> => {
      if (settled) return;
      settled = true;
      await settle(...args);
    };
  return {
    message: parts.message,
    attempt: parts.attempt,
    coordinates: parts.coordinates,
    ack: once(parts.ack),
    nack: once((options?: { delayMs?: number; attempt?: number }) =>
      parts.nack(options?.delayMs, options?.attempt),
    ),
    deadLetter: once(parts.deadLetter),
  };
}
