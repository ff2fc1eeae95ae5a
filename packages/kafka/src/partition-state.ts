import type { HandOverSource } from './hand-over';
import type { CommitTarget } from './offset-committer';
import type { PartitionTracker } from './partition-tracker';
import type { TransactionalPartition } from './transactional-partition';

/**
 * What a subscription keeps per assigned partition while this member owns it: its offset
 * bookkeeping, its transaction on exactly-once bindings, and the signal that it left. One object per
 * partition assignment: a partition assigned again after a revocation gets a new one, so late
 * settlements of the old one are never committed.
 */
export interface PartitionState extends CommitTarget, HandOverSource {
  revoked: boolean;
  readonly tracker: PartitionTracker;
  readonly txn?: TransactionalPartition;
  /** The transactional producer's initialisation (fences the previous owner); resolved at once otherwise. */
  readonly opened: Promise<void>;
}

export function newPartitionState(
  partition: number,
  tracker: PartitionTracker,
  txn: TransactionalPartition | undefined,
): PartitionState {
  return {
    partition,
    tracker,
    revoked: false,
    txn,
    opened: txn ? txn.open() : Promise.resolve(),
    left: new AbortController(),
  };
}

/** The partition is no longer this member's (revoked, crashed, closing): nothing of it is committed by us. */
export function leavePartition(state: PartitionState, reason: string): void {
  state.revoked = true;
  state.left.abort();
  if (state.txn) {
    state.txn.abandon(reason);
    void state.txn.close();
  }
}
