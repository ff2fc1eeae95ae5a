/**
 * How far into its keys' messages a publisher may go, as a fraction the runner raises as the
 * faults go by: the publishers never run far ahead of the next fault, so traffic still flows
 * when it comes, however long an earlier one took (a Kafka consumer kill waits out the session
 * timeout). 1 once every fault is injected.
 */
export interface PublishGate {
  /** Resolves once message `seq` of a key with `count` messages may be published. */
  pass(seq: number, count: number): Promise<void>;
  /** Raises the fraction (never lowers it). */
  allow(fraction: number): void;
}

export function publishGate(initial: number): PublishGate {
  let fraction = initial;
  let waiting: Array<() => void> = [];
  const open = (seq: number, count: number) => fraction >= 1 || seq < Math.ceil(fraction * count);
  return {
    async pass(seq, count) {
      while (!open(seq, count)) await new Promise<void>((resolve) => waiting.push(resolve));
    },
    allow(next) {
      if (next <= fraction) return;
      fraction = next;
      const wake = waiting;
      waiting = [];
      for (const resolve of wake) resolve();
    },
  };
}

/** How far ahead of `outcomes`, as a share of the messages, the publishers may publish. */
export const GATE_LEAD = 0.1;

/** The gate's fraction `GATE_LEAD` past `outcomes` (undefined: no fault left, no gate). */
export const gateFraction = (outcomes: number | undefined, messages: number): number =>
  outcomes === undefined ? 1 : Math.min(1, outcomes / messages + GATE_LEAD);
