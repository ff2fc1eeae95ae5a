import type { DeadLetterAccess, DeadLetterBatch, StoredDeadLetter } from '@polybus/core/transport';

/**
 * Reads a dead-letter topic page by page, the way `DeadLetterAccess` pages on every broker: it
 * passes `after` (logs) and keeps each batch unreleased until `release` (queues, where a released
 * batch's letters would come round again). Call `release` when done, also after a failure.
 */
export class LetterScan {
  private readonly batches: DeadLetterBatch[] = [];

  constructor(
    private readonly access: DeadLetterAccess,
    private readonly topic: string,
    private readonly pageSize: number,
  ) {}

  /** Each non-empty batch in turn, oldest letters first. */
  async *pages(signal?: AbortSignal): AsyncGenerator<DeadLetterBatch> {
    let after: string | undefined;
    while (!signal?.aborted) {
      const batch = await this.access.browse(
        this.topic,
        after === undefined ? { limit: this.pageSize } : { limit: this.pageSize, after },
      );
      this.batches.push(batch);
      if (batch.letters.length === 0) return;
      after = batch.letters.at(-1)!.ref;
      yield batch;
    }
  }

  /** Every letter, for reads that change nothing. */
  async all(): Promise<StoredDeadLetter[]> {
    const letters: StoredDeadLetter[] = [];
    for await (const batch of this.pages()) letters.push(...batch.letters);
    return letters;
  }

  async release(): Promise<void> {
    const batches = this.batches.splice(0);
    await Promise.all(batches.map((b) => b.release()));
  }
}
