import { KeySerializer } from './key-serializer';
import { Slots } from './slots';

/** A unit of work for a `KeyedGate`. */
export interface GateJob {
  /** Jobs of one key run one at a time when the gate is per key; undefined = no order. */
  readonly key: string | undefined;
  /** Runs the work; the gate counts it running until this settles (either way). */
  run(): Promise<void>;
}

/**
 * Runs pushed jobs with at most `concurrency` at once, in arrival order. Per key (`perKey`), never
 * two jobs of one key at once: a job waits while an earlier one of its key runs, so each key keeps
 * its order while other keys overtake it. For push-model brokers (RabbitMQ) whose deliveries arrive
 * by themselves; a poller that takes slots before it reads uses `Slots` and `KeySerializer` directly.
 *
 * - `discard(match)` removes jobs not started yet that match (a channel closed, a close) and
 *   returns them, to be handed back to the broker; running jobs are not touched.
 * - `idle()` resolves once no job is running.
 */
export class KeyedGate<J extends GateJob> {
  private readonly slots: Slots;
  private readonly keys?: KeySerializer<J>;
  /** Jobs whose turn (per key) has come, waiting for a slot. */
  private ready: J[] = [];

  constructor(concurrency: number, perKey: boolean) {
    this.slots = new Slots(Math.max(1, concurrency));
    if (perKey) this.keys = new KeySerializer<J>((job) => this.whenSlot(job));
  }

  push(job: J): void {
    if (this.keys && job.key !== undefined) this.keys.push(job.key, job);
    else this.whenSlot(job);
  }

  discard(match: (job: J) => boolean): J[] {
    // Later jobs of a key first, so a discarded head does not start them below.
    const dropped = this.keys?.dropWaitingWhere(match) ?? [];
    const keep: J[] = [];
    const heads: J[] = [];
    for (const job of this.ready) (match(job) ? heads : keep).push(job);
    this.ready = keep;
    for (const job of heads) if (this.keys && job.key !== undefined) this.keys.done(job.key);
    return [...heads, ...dropped];
  }

  idle(): Promise<void> {
    return this.slots.idle();
  }

  private whenSlot(job: J): void {
    if (this.slots.take()) this.start(job);
    else this.ready.push(job);
  }

  private start(job: J): void {
    // Inline arrows: one pair per job, no named closure kept.
    job.run().then(
      () => this.finish(job),
      () => this.finish(job),
    );
  }

  private finish(job: J): void {
    const next = this.ready.shift();
    if (next)
      this.start(next); // the slot passes straight on
    else this.slots.give();
    if (this.keys && job.key !== undefined) this.keys.done(job.key);
  }
}
