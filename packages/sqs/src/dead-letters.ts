import { ReceiveMessageCommand, type Message as SqsMessage, type SQSClient } from '@aws-sdk/client-sqs';
import { ConfigurationError } from '@polybus/core';
import type { DeadLetterAccess, DeadLetterBatch, StoredDeadLetter } from '@polybus/core/transport';
import type { Heartbeat, HeartbeatEntry } from './heartbeat';
import type { QueueRegistry } from './queues';
import type { Settler } from './settler';
import { decodeMessage } from './wire';

/** A long poll asks every SQS server; a browse ends with the first receive that brings nothing. */
const BROWSE_WAIT_SECONDS = 1;

export interface SqsDeadLetterDeps {
  readonly client: SQSClient;
  readonly queues: QueueRegistry;
  readonly settler: Settler;
  readonly heartbeat: Heartbeat;
  readonly visibilityTimeoutSeconds: number;
}

/**
 * Dead letters as the dead-letter topic's queue keeps them (`queueNameFor`, standard or FIFO): the
 * copies Polybus publishes there, and what SQS's own redrive moved (without the envelope).
 *
 * `browse` receives (long polls of 1 s, up to 10 a call, all attributes) until it holds `limit`
 * letters or a receive brings none: SQS samples its servers, so one receive may bring fewer than
 * there are. The letters stay invisible while the batch holds them (the transport's
 * `visibilityTimeoutSeconds`, extended by its heartbeat), so the next browse gets others; `ref` is
 * the receipt handle, `remove` is DeleteMessageBatch, `release` sets their visibility to 0. A
 * reader that dies or closes the transport without release leaves every letter: each comes back
 * when its visibility timeout ends. Order is SQS's: best effort on a standard queue.
 *
 * FIFO: SQS hands out no more of a message group while one of its messages is invisible, so a
 * browse returns of each group only what one receive brought (up to 10, in order), and a next page
 * none of it; removing them (replay, purge) lets the next browse see the group's next letters.
 *
 * SQS has no consumer groups: a binding on the dead-letter topic consumes this same queue, so
 * what it handles is gone from here, and it does not get letters while a batch holds them.
 * A topic whose queue does not exist is refused with a `ConfigurationError` (never created here):
 * `bus.start()` creates it with the binding that dead-letters to it, so it is a mistyped name.
 */
export class SqsDeadLetters implements DeadLetterAccess {
  constructor(private readonly deps: SqsDeadLetterDeps) {}

  async browse(deadLetterTopic: string, options: { limit: number }): Promise<DeadLetterBatch> {
    const url = await this.queueUrl(deadLetterTopic);
    const batch = new HeldBatch(url, this.deps);
    try {
      while (batch.letters.length < options.limit) {
        const { Messages = [] } = await this.deps.client.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: Math.min(10, options.limit - batch.letters.length),
            WaitTimeSeconds: BROWSE_WAIT_SECONDS,
            VisibilityTimeout: this.deps.visibilityTimeoutSeconds,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['SentTimestamp', 'MessageGroupId'],
          }),
        );
        if (Messages.length === 0) break;
        const now = performance.now();
        for (const sqs of Messages) batch.hold(sqs, deadLetterTopic, now);
      }
    } catch (error) {
      await batch.release().catch(() => undefined);
      throw error;
    }
    return batch;
  }

  private async queueUrl(topic: string): Promise<string> {
    const url = await this.deps.queues.find(topic);
    if (url !== undefined) return url;
    const { name } = this.deps.queues.nameOf(topic);
    throw new ConfigurationError(
      'deadLetterTopic',
      `'${topic}' has no queue '${name}' (it is created when a bus with a binding that dead-letters to it starts): check the topic name`,
    );
  }
}

/** One held letter, kept invisible by the transport's heartbeat until removed or released. */
class HeldLetter implements HeartbeatEntry {
  extendedAt = 0;
  prevBeat: HeartbeatEntry | undefined = undefined;
  nextBeat: HeartbeatEntry | undefined = undefined;

  constructor(
    readonly queueUrl: string,
    readonly handle: string,
  ) {}
}

class HeldBatch implements DeadLetterBatch {
  readonly removesEach = true;
  readonly letters: StoredDeadLetter[] = [];
  private readonly held = new Map<string, HeldLetter>();

  constructor(
    private readonly url: string,
    private readonly deps: SqsDeadLetterDeps,
  ) {}

  hold(sqs: SqsMessage, topic: string, now: number): void {
    const ref = sqs.ReceiptHandle as string;
    const letter = new HeldLetter(this.url, ref);
    this.deps.heartbeat.track(letter, now);
    this.held.set(ref, letter);
    const { message } = decodeMessage(topic, sqs);
    const sent = Number(sqs.Attributes?.SentTimestamp);
    this.letters.push(Number.isFinite(sent) ? { ref, message, storedAt: sent } : { ref, message });
  }

  async remove(refs: readonly string[]): Promise<void> {
    const letters = this.take(refs);
    await Promise.all(letters.map((l) => this.deps.settler.delete(this.url, l.handle)));
  }

  async release(): Promise<void> {
    const letters = this.take([...this.held.keys()]);
    await Promise.all(letters.map((l) => this.deps.settler.changeVisibility(this.url, l.handle, 0)));
  }

  /** The held letters of `refs`, no longer held nor kept invisible; unknown refs are skipped. */
  private take(refs: readonly string[]): HeldLetter[] {
    const taken: HeldLetter[] = [];
    for (const ref of refs) {
      const letter = this.held.get(ref);
      if (letter === undefined) continue;
      this.held.delete(ref);
      this.deps.heartbeat.untrack(letter);
      taken.push(letter);
    }
    return taken;
  }
}
