import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { Batcher } from './batcher';

interface VisibilityChange {
  readonly handle: string;
  readonly seconds: number;
}

interface BatchResult {
  readonly Successful?: ReadonlyArray<{ Id?: string }>;
  readonly Failed?: ReadonlyArray<{ Id?: string; Code?: string; Message?: string }>;
}

/**
 * Per-entry outcomes of an SQS *Batch call whose entries were sent with Id = their index. Errors
 * are built only for entries that failed or got no answer: an Error captures a stack trace, far
 * too dear to make ten of for every successful batch.
 */
function outcomes(count: number, result: BatchResult): Array<Error | undefined> {
  const out = new Array<Error | undefined>(count).fill(undefined);
  const answered = new Array<boolean>(count).fill(false);
  for (const ok of result.Successful ?? []) answered[Number(ok.Id)] = true;
  for (const failed of result.Failed ?? []) {
    answered[Number(failed.Id)] = true;
    out[Number(failed.Id)] = new Error(`${failed.Code}: ${failed.Message}`);
  }
  for (let i = 0; i < count; i++) if (!answered[i]) out[i] = new Error('no result for the entry');
  return out;
}

/**
 * Deletes and visibility changes, batched per queue (DeleteMessageBatch,
 * ChangeMessageVisibilityBatch: 10 entries, short linger) so that acks cost a tenth of the calls.
 */
export class Settler {
  private readonly deletes = new Map<string, Batcher<string>>();
  private readonly changes = new Map<string, Batcher<VisibilityChange>>();

  constructor(
    private readonly client: SQSClient,
    private readonly lingerMs: number,
  ) {}

  delete(queueUrl: string, receiptHandle: string): Promise<void> {
    return this.deleterOf(queueUrl).add(receiptHandle);
  }

  /** `delete` for a caller that does not wait (an ack): no promise; `onFailure` hears of a failure. */
  deleteSoon(queueUrl: string, receiptHandle: string, onFailure: (error: Error) => void): void {
    this.deleterOf(queueUrl).send(receiptHandle, onFailure);
  }

  private deleterOf(queueUrl: string): Batcher<string> {
    let batcher = this.deletes.get(queueUrl);
    if (batcher === undefined) {
      batcher = new Batcher<string>({
        maxEntries: 10,
        lingerMs: this.lingerMs,
        sequential: false,
        run: async (handles) =>
          outcomes(
            handles.length,
            await this.client.send(
              new DeleteMessageBatchCommand({
                QueueUrl: queueUrl,
                Entries: handles.map((h, i) => ({ Id: String(i), ReceiptHandle: h })),
              }),
            ),
          ),
      });
      this.deletes.set(queueUrl, batcher);
    }
    return batcher;
  }

  /** Makes the message visible again after `seconds` (0 = at once). */
  changeVisibility(queueUrl: string, receiptHandle: string, seconds: number): Promise<void> {
    let batcher = this.changes.get(queueUrl);
    if (batcher === undefined) {
      batcher = new Batcher<VisibilityChange>({
        maxEntries: 10,
        lingerMs: this.lingerMs,
        sequential: false,
        run: async (items) =>
          outcomes(
            items.length,
            await this.client.send(
              new ChangeMessageVisibilityBatchCommand({
                QueueUrl: queueUrl,
                Entries: items.map((c, i) => ({
                  Id: String(i),
                  ReceiptHandle: c.handle,
                  VisibilityTimeout: c.seconds,
                })),
              }),
            ),
          ),
      });
      this.changes.set(queueUrl, batcher);
    }
    return batcher.add({ handle: receiptHandle, seconds });
  }

  async flush(): Promise<void> {
    await Promise.all([...this.deletes.values(), ...this.changes.values()].map((b) => b.flush()));
  }
}
