import { spawn } from 'node:child_process';
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
  /** The publisher process in `slot` now, or undefined when it is done publishing. */
  publisherIn(slot: number): string | undefined;
  /**
   * SIGKILLs the publisher in `slot` (`onKill` just before, told whether a publish was in flight),
   * waits for its exit (`onExit`), starts its replacement; resolves with its name once ready.
   */
  killPublisher(slot: number, onKill: (inFlight: boolean) => void, onExit: () => void): Promise<string>;
  /** `--broker-restart-cmd`. */
  readonly brokerRestartCmd?: string;
}

/**
 * Injects fault number `n` and resolves when it is over, with `fault-started` and `fault-ended`
 * in the runner's ledger around it: the report measures recovery from the end.
 */
export async function injectFault(f: PlannedFault, n: number, t: FaultTargets): Promise<void> {
  const started = (consumer?: string, publisher?: string) =>
    t.ledger.append({
      type: 'fault-started',
      fault: f.fault,
      n,
      ...(consumer && { consumer }),
      ...(publisher && { publisher }),
      at: now(),
    });
  const ended = (consumer?: string, publisher?: string) =>
    t.ledger.append({
      type: 'fault-ended',
      fault: f.fault,
      n,
      ...(consumer && { consumer }),
      ...(publisher && { publisher }),
      at: now(),
    });
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
    case 'kill-publisher': {
      const victim = t.publisherIn(f.slot);
      if (victim === undefined) {
        t.log(`publisher slot ${f.slot} is done publishing: no publisher to kill`);
        return;
      }
      let aimed = false;
      const replacement = await t.killPublisher(
        f.slot,
        (inFlight) => {
          aimed = inFlight;
          started(undefined, victim);
        },
        () =>
          t.log(
            `killed ${victim} (SIGKILL${aimed ? ', a publish in flight' : ''}), restarting publisher slot ${f.slot}`,
          ),
      );
      ended(undefined, replacement);
      return;
    }
    case 'broker-restart': {
      const command = t.brokerRestartCmd;
      if (!command) throw new Error('polybus-verify: broker-restart without --broker-restart-cmd');
      started();
      t.log(`restarting the broker: ${command}`);
      const { code, output } = await shell(command);
      if (code !== 0)
        throw new Error(
          `polybus-verify: --broker-restart-cmd exited with ${String(code)}: ${output.slice(-2_000)}`,
        );
      ended();
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

/** Runs `command` in `sh -c`, stdout and stderr kept for an error report. */
function shell(command: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8_000));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', (error) => resolve({ code: -1, output: String(error) }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

function required(proxy: TcpProxy | undefined): TcpProxy {
  // The runner starts the proxy whenever `cut` or `stall` is among the faults.
  if (!proxy) throw new Error('polybus-verify: a network fault without the fault proxy');
  return proxy;
}
