import {
  ReceiveMessageCommand,
  type ReceiveMessageCommandOutput,
  type Message as SqsMessage,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Logger } from '@polybus/core';
import { backoffDelay, OutageLog, sleep, type BackoffPolicy, type Slots } from '@polybus/core/transport';
import { reasonOf } from './publisher';
import type { Queue } from './queues';

/** After a failed receive: 200 ms doubling to 5 s, jittered so a fleet does not retry in step. */
const RECEIVE_BACKOFF: BackoffPolicy = {
  initialDelayMs: 200,
  maxDelayMs: 5_000,
  multiplier: 2,
  jitter: true,
};

export interface ReceiveLoopDeps {
  readonly client: SQSClient;
  readonly queue: Queue;
  /** Received, unsettled messages of the subscription: a receive asks only for what is free. */
  readonly slots: Slots;
  /** Aborted when the subscription closes: ends the loop, its waits and a long poll. */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  readonly waitTimeSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  /** Takes one receive's messages; `max` slots were reserved for it and are now the callee's. */
  accept(messages: SqsMessage[], max: number): void;
}

/**
 * The receive side of a subscription: long-polls its queue for as many messages as the slots
 * leave room for (at most 10, SQS's limit), reserving them first so parallel loops do not
 * overshoot, and backs off from 200 ms doubling to 5 s while receives fail, logging the outage once
 * for all its loops (not once per failed receive).
 */
export class ReceiveLoop {
  private readonly cancellable: { abortSignal: AbortSignal };
  private readonly outage: OutageLog;

  constructor(private readonly deps: ReceiveLoopDeps) {
    this.cancellable = { abortSignal: deps.signal };
    this.outage = new OutageLog(
      deps.logger,
      { lost: 'sqs: receive failed, retrying', back: 'sqs: receiving again' },
      { queue: deps.queue.name },
    );
  }

  /** One long-polling loop; resolves once the signal aborted. Several run side by side. */
  async run(): Promise<void> {
    let failures = 0;
    let busy = false;
    while (!this.deps.signal.aborted) {
      if (this.deps.slots.free <= 0) {
        await this.deps.slots.whenFree(this.deps.signal);
        continue;
      }
      const max = Math.min(10, this.deps.slots.free);
      this.deps.slots.take(max); // reserved, so parallel loops do not overshoot
      let messages: SqsMessage[];
      try {
        messages = (await this.receive(max, busy)).Messages ?? [];
        failures = 0;
        if (this.outage.down) this.outage.succeeded();
      } catch (error) {
        this.deps.slots.give(max);
        busy = false;
        if (this.deps.signal.aborted) return;
        failures++;
        this.outage.failed(reasonOf(error));
        await sleep(backoffDelay(failures, RECEIVE_BACKOFF), this.deps.signal);
        continue;
      }
      busy = messages.length === max;
      this.deps.accept(messages, max);
    }
  }

  /**
   * One ReceiveMessage. `close` must not wait out a 20 s long poll, so a receive that may wait
   * carries the abort signal. A receive that follows a full one (`busy`) almost always finds
   * messages at once: it goes without the signal and waits at most a second, so `close` waits
   * for it at most that long. The signal is dear: the SDK races every call that has one against
   * it (bench/client-cost-instructions.sh counts what that costs per message), more than all of Polybus's own work per message. Still a long poll: a 1 s wait asks every
   * SQS server, as 20 s does, and returns as soon as there are messages.
   */
  private receive(max: number, busy: boolean): Promise<ReceiveMessageCommandOutput> {
    return this.deps.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.deps.queue.url,
        MaxNumberOfMessages: max,
        WaitTimeSeconds: busy ? Math.min(1, this.deps.waitTimeSeconds) : this.deps.waitTimeSeconds,
        VisibilityTimeout: this.deps.visibilityTimeoutSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp', 'MessageGroupId'],
      }),
      busy ? undefined : this.cancellable,
    );
  }
}
