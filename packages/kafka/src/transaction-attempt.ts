import { CompressionTypes, type Offsets, type Producer, type Transaction } from 'kafkajs';
import type { TransportMessage } from '@polybus/core';
import type { KafkaCompression } from './options';
import type { TransactionFailure, TransactionStep } from './transaction-recovery';
import { byTopic } from './wire';

/** What one consume-transform-produce transaction writes. */
export interface TransactionContent {
  readonly outputs: readonly TransportMessage[];
  /** The consumed position to commit with the outputs (`sendOffsets`). */
  readonly offsets: Offsets & { consumerGroupId: string };
  readonly compression: KafkaCompression;
}

/**
 * Runs one transaction on `producer`: outputs, consumed offsets, commit. Resolves to undefined once
 * it committed, else to how it failed (never rejects). On a failure it aborts the transaction if
 * kafkajs still has it open and reports whether the producer can begin another. kafkajs 2.2.4
 * cannot run EndTxn again on a transaction whose commit or abort failed, so such a producer is
 * reported unready: replacing it (InitProducerId) is what aborts that transaction at the
 * coordinator then.
 */
export async function runTransaction(
  producer: Producer | undefined,
  content: TransactionContent,
): Promise<TransactionFailure | undefined> {
  if (!producer) {
    return { error: new Error('transactional producer not open'), step: 'begin', producerReady: false };
  }
  let step: TransactionStep = 'begin';
  let tx: Transaction | undefined;
  try {
    tx = await producer.transaction();
    if (content.outputs.length > 0) {
      step = 'produce';
      await tx.sendBatch({
        topicMessages: byTopic(content.outputs),
        acks: -1,
        compression: content.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
      });
    }
    step = 'offsets';
    await tx.sendOffsets(content.offsets);
    step = 'commit';
    await tx.commit();
    return undefined;
  } catch (error) {
    if (!tx?.isActive()) return { error, step, producerReady: false };
    try {
      await tx.abort();
      return { error, step, producerReady: true };
    } catch (abortError) {
      return { error, step, producerReady: false, abortError };
    }
  }
}
