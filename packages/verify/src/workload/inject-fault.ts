import { setTimeout as sleep } from 'node:timers/promises';
import type { TcpProxy } from '@polybus/conformance';
import { now } from '../ledger/events';
import type { LedgerWriter } from '../ledger/ledger-writer';
import type { PlannedFault } from './plan';

/** What a fault acts on: the proxy between every worker and the broker, and the consumer slots. */
export interface FaultTargets {
  readonly proxy: TcpProxy | undefined;
  readonly ledger: LedgerWriter;
  readonly log: (line: string) => void;
  /** The name of the consumer process in `slot` now. */
  consumerIn(slot: number): string;
  /** SIGKILLs the consumer in `slot` and waits for its exit. */
  kill(slot: number): Promise<void>;
  /** Starts a new consumer process in `slot`, resolves with its name once it is ready. */
  restart(slot: number): Promise<string>;
}

/**
 * Injects fault number `n` and resolves when it is over, with `fault-started` and `fault-ended`
 * in the runner's ledger around it: the report measures recovery from the end.
 */
export async function injectFault(f: PlannedFault, n: number, t: FaultTargets): Promise<void> {
  const started = (consumer?: string) =>
    t.ledger.append({ type: 'fault-started', fault: f.fault, n, ...(consumer && { consumer }), at: now() });
  const ended = (consumer?: string) =>
    t.ledger.append({ type: 'fault-ended', fault: f.fault, n, ...(consumer && { consumer }), at: now() });
  switch (f.fault) {
    case 'kill-consumer': {
      const victim = t.consumerIn(f.slot);
      started(victim);
      await t.kill(f.slot);
      // Recorded after the exit: every event the dead process wrote comes before it.
      t.ledger.append({ type: 'consumer-killed', consumer: victim, at: now() });
      t.log(`killed ${victim} (SIGKILL), restarting slot ${f.slot}`);
      ended(await t.restart(f.slot));
      return;
    }
    case 'cut': {
      const proxy = required(t.proxy);
      await proxy.cut();
      started();
      t.log(`cut every connection to the broker for ${f.durationMs / 1_000} s`);
      await sleep(f.durationMs);
      await proxy.restore();
      ended();
      return;
    }
    case 'stall': {
      const proxy = required(t.proxy);
      proxy.stall();
      started();
      t.log(`stalled every connection to the broker for ${f.durationMs / 1_000} s`);
      await sleep(f.durationMs);
      proxy.resume();
      ended();
      return;
    }
  }
}

function required(proxy: TcpProxy | undefined): TcpProxy {
  // The runner starts the proxy whenever `cut` or `stall` is among the faults.
  if (!proxy) throw new Error('polybus-verify: a network fault without the fault proxy');
  return proxy;
}
