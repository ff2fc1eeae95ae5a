import type { TransportMessage } from '../message';
import type { Processing } from './processing';

/**
 * On a transactional transport, the delivery whose transaction owes the kept outputs: written on
 * each kept copy (never on what is sent) and read back when a redelivery finds them (see
 * `idempotency`: only that delivery's redelivery re-sends them).
 */
const ORIGIN = 'polybus-outputs-of';

/** A delivery's place in the broker, the same for each redelivery of it and no other delivery. */
export function originOf(p: Processing): string {
  const parts = [p.delivery.message.topic];
  for (const [name, value] of Object.entries(p.delivery.coordinates)) parts.push(`${name}=${value}`);
  return parts.join(' ');
}

export function withOrigin(
  outputs: readonly TransportMessage[],
  origin: string,
): readonly TransportMessage[] {
  return outputs.map((m) => ({ ...m, headers: { ...m.headers, [ORIGIN]: origin } }));
}

export function withoutOrigin(outputs: readonly TransportMessage[]): readonly TransportMessage[] {
  return outputs.map((m) => {
    const { [ORIGIN]: _origin, ...headers } = m.headers;
    return { ...m, headers };
  });
}

/** The origin the kept outputs were recorded with; undefined for outputs kept before it existed. */
export function originRecorded(kept: readonly TransportMessage[]): string | undefined {
  return kept[0]?.headers[ORIGIN];
}
