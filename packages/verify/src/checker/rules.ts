import type { Guarantee } from '@polybus/core';
import type { LedgerEvent, RunSpec } from '../ledger/events';
import { findAnomalies } from './find';
import type { Findings } from './findings';

/** One rule of the guarantee table, judged against a run. */
export interface RuleVerdict {
  /** e.g. `lost = 0`. */
  readonly rule: string;
  readonly holds: boolean;
  /** The count the rule is about. */
  readonly observed: number;
  readonly note?: string;
}

export interface CheckResult extends Findings {
  readonly spec: RunSpec;
  /** Only the rules the guarantee makes; a count not listed here is reported, never a failure. */
  readonly rules: RuleVerdict[];
  /** Every rule holds. */
  readonly ok: boolean;
}

/**
 * Judges a merged ledger against the guarantee (docs/guarantees.md): at-most-once — duplicated = 0;
 * at-least-once — lost = 0 (duplicates counted, allowed); exactly-once — lost = 0 and
 * duplicated = 0. Every guarantee: unexpected = 0, and reordered = 0 when per-key ordering was
 * asked.
 */
export function check(events: readonly LedgerEvent[], spec: RunSpec): CheckResult {
  const findings = findAnomalies(events, spec);
  const rules = rulesOf(spec.guarantee, findings);
  if (spec.perKeyOrdering)
    rules.push({
      rule: 'reordered = 0',
      holds: findings.reordered.length === 0,
      observed: findings.reordered.length,
    });
  return { ...findings, spec, rules, ok: rules.every((r) => r.holds) };
}

function rulesOf(guarantee: Guarantee, f: Findings): RuleVerdict[] {
  const lost: RuleVerdict = { rule: 'lost = 0', holds: f.lost.length === 0, observed: f.lost.length };
  const unexpected: RuleVerdict = {
    rule: 'unexpected = 0',
    holds: f.unexpected.length === 0,
    observed: f.unexpected.length,
  };
  const excused = f.duplicated.filter((d) => d.inCrashWindow).length;
  const counted = f.duplicated.length - excused;
  const duplicated: RuleVerdict = {
    rule: 'duplicated = 0',
    holds: counted === 0,
    observed: counted,
    ...(excused > 0 && {
      note: `${excused} more in the idempotency store's crash window (consumer killed between effect and complete)`,
    }),
  };
  switch (guarantee) {
    case 'at-most-once':
      return [duplicated, unexpected];
    case 'at-least-once':
      return [lost, unexpected];
    case 'exactly-once':
      return [lost, duplicated, unexpected];
  }
}
