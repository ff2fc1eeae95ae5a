export type {
  LedgerEvent,
  PublishAckedEvent,
  PublishRejectedEvent,
  ProcessedEvent,
  DeadLetteredEvent,
  ConsumerKilledEvent,
  FaultStartedEvent,
  FaultEndedEvent,
  ConsumerHealthEvent,
  RunSpec,
} from './ledger/events';
export { ledgerWriter, type LedgerWriter } from './ledger/ledger-writer';
export { parseLedger, readLedgerDir, type ReadLedger } from './ledger/read-ledger';
export { findAnomalies } from './checker/find';
export { recoveriesOf } from './checker/recovery';
export type {
  Findings,
  Counts,
  DuplicatedId,
  ReorderedId,
  FaultRecovery,
  UnhealthyConsumer,
} from './checker/findings';
export { check, type CheckResult, type RuleVerdict } from './checker/rules';
export { runWorkload, type RunHooks } from './workload/runner';
export { specOf, type VerifyResult } from './workload/run-result';
export {
  resolveOptions,
  FAULTS,
  type WorkloadOptions,
  type WorkloadRequest,
  type Profile,
  type Fault,
  type StoreKind,
} from './workload/options';
export { WorkerFailedError } from './errors/worker-failed-error';
