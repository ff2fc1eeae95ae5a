import { injectFault, type FaultTargets } from './inject-fault';
import type { WorkloadOptions } from './options';
import { faultSchedule } from './plan';
import { gateFraction } from './publish-gate';
import type { Supervisor } from './supervisor';

/**
 * The seeded fault schedule (plan.ts) as the run goes: injects the faults one at a time and keeps
 * the publishers' gate a lead ahead of the next one, so traffic still flows when it comes.
 */
export interface FaultDriver {
  /** The gate's fraction a publisher starting now gets (0 until `open`). */
  publisherAllowed(): number;
  /** The gate's fraction a lead ahead of the next fault (1 when none is left). */
  allowed(): number;
  /** Sets the gate ahead of the first fault, as the publishers start. */
  open(): void;
  /** Faults not injected yet. */
  remaining(): number;
  /**
   * One poll of the runner: injects the next fault once its share of outcomes is in and work went
   * on after the previous one; gives up the remaining faults after `settleTimeoutMs` without an outcome.
   */
  poll(workers: Pick<Supervisor, 'outcomes' | 'allow'>, targets: FaultTargets): Promise<void>;
}

export function faultDriver(o: WorkloadOptions, log: (line: string) => void): FaultDriver {
  const schedule = faultSchedule(o);
  let allowedNow = 0;
  let injected = 0;
  let outcomesSeen = -1;
  let lastOutcome = Date.now();
  let outcomesAtLastFault = -1;
  // The publishers may go a lead ahead of the next fault, or of the outcomes so far once those are
  // past it (the next fault also waits for work after the last one, which needs messages to do).
  const allowed = (total = 0) =>
    gateFraction(schedule.length === 0 ? undefined : Math.max(schedule[0].afterOutcomes, total), o.messages);
  return {
    publisherAllowed: () => allowedNow,
    allowed: () => allowed(),
    open() {
      allowedNow = allowed();
    },
    remaining: () => schedule.length,
    async poll(workers, targets) {
      const total = workers.outcomes();
      if (total !== outcomesSeen) [outcomesSeen, lastOutcome] = [total, Date.now()];
      // The next fault waits for its share of outcomes and for work to resume after the last one,
      // so each recovery is measured on its own.
      if (schedule.length > 0 && total >= schedule[0].afterOutcomes && total > outcomesAtLastFault) {
        const fault = schedule.shift()!;
        // Let the publishers on towards the next fault while this one is injected.
        allowedNow = allowed(total);
        workers.allow(allowedNow);
        await injectFault(fault, injected++, targets);
        outcomesAtLastFault = workers.outcomes();
        allowedNow = Math.max(allowedNow, allowed(outcomesAtLastFault));
        workers.allow(allowedNow);
      }
      if (schedule.length > 0 && Date.now() - lastOutcome >= o.settleTimeoutMs) {
        // Outcomes stopped short of the next fault (messages went missing): no more faults.
        log(
          `no outcome for ${o.settleTimeoutMs} ms before ${schedule[0].fault}: skipping the remaining faults`,
        );
        schedule.length = 0;
        allowedNow = 1;
        workers.allow(1);
      }
    },
  };
}
