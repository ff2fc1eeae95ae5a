import type { Logger, TransportMessage } from '@polybus/core';
import {
  Slots,
  type DeliveryHandler,
  type SubscribeOptions,
  type Subscription,
} from '@polybus/core/transport';
import type { Redis } from 'ioredis';
import { Acker } from './acker';
import { claimOwn } from './claim-own';
import { StreamDelivery, type DeliveryHost } from './delivery';
import { decodeEntry } from './wire';
import { HeldEntries } from './held';
import type { ResolvedOptions } from './options';
import { Recovery, type RecoveryHost } from './recovery';
import { ReadLoop } from './read-loop';
import type { RawEntry } from './replies';

/**
 * One binding's consumer: a read loop on its own blocking connection (`XREADGROUP ... BLOCK`),
 * sized by free concurrency slots, plus the recovery timers (claims, heartbeats, stale consumers).
 */
export class StreamSubscription implements Subscription, RecoveryHost, DeliveryHost {
  readonly held = new HeldEntries();
  private readonly slots: Slots;
  private readonly acker: Acker;
  private readonly recovery: Recovery;
  readonly stream: string;
  readonly group: string;
  readonly noAck: boolean;
  readonly logger: Logger;
  private closed = false;
  /** Aborted by `close`: ends every wait for a slot or a backoff at once. */
  private readonly stop = new AbortController();
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: SubscribeOptions,
    private readonly handler: DeliveryHandler,
    readonly commands: Redis,
    private readonly blocker: Redis,
    private readonly config: ResolvedOptions,
  ) {
    this.slots = new Slots(options.concurrency);
    this.acker = new Acker(commands, options.topic, options.group, config.logger);
    this.stream = options.topic;
    this.group = options.group;
    this.noAck = options.guarantee === 'at-most-once';
    this.logger = config.logger;
    this.recovery = new Recovery(this, commands, config, options.topic, options.group, this.noAck);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get freeSlots(): number {
    return this.slots.free;
  }

  async start(): Promise<void> {
    await this.ensureGroup();
    this.loop = new ReadLoop({
      blocker: this.blocker,
      topic: this.options.topic,
      group: this.options.group,
      config: this.config,
      noAck: this.noAck,
      logger: this.logger,
      signal: this.stop.signal,
      slots: this.slots,
      slotFree: () => this.slotFree(),
      slotFor: (entryId) => this.slotFor(entryId),
      ensureGroup: () => this.ensureGroup(),
      dispatch: (entryId, fields, attempt) => this.dispatch(entryId, fields, attempt),
    }).run();
    this.recovery.start();
  }

  /** Idempotent: a group that already exists is kept with its position. */
  async ensureGroup(): Promise<void> {
    try {
      // Start id '0': a group created after entries were written still receives them.
      await this.commands.xgroup('CREATE', this.options.topic, this.options.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).startsWith('BUSYGROUP')) throw error;
    }
  }

  /** Hands one entry to the handler; the caller has taken its slot. */
  dispatch(entryId: string, fields: RawEntry['fields'], attempt: number): void {
    if (fields === null) {
      // Trimmed while pending: nothing left to process, only the pending record to clear.
      this.slots.give();
      if (!this.noAck) this.acker.ack(entryId);
      return;
    }
    this.handOver(entryId, decodeEntry(this.stream, entryId, fields), attempt);
  }

  takeSlot(): void {
    this.slots.takeAnyway();
  }

  releaseSlot(): void {
    this.slots.give();
  }

  /** Resolves once a slot is free, or at close. */
  private async slotFree(): Promise<void> {
    while (this.slots.free <= 0 && !this.closed) await this.slots.whenFree(this.stop.signal);
  }

  /** Takes a slot, waiting for one; false (nothing taken) once closed. */
  private async takeSlotWhenFree(): Promise<boolean> {
    while (!this.closed) {
      if (this.slots.take()) return true;
      await this.slots.whenFree(this.stop.signal);
    }
    return false;
  }

  /** A read entry waits for a slot held (heartbeated) like a delivery, so no claim takes it meanwhile. */
  private async slotFor(entryId: string): Promise<boolean> {
    if (!this.noAck) this.held.wait(entryId);
    const taken = await this.takeSlotWhenFree();
    if (!this.noAck) this.held.release(entryId);
    return taken;
  }

  ackEntry(entryId: string): void {
    this.acker.ack(entryId);
  }

  settled(delivery: StreamDelivery): void {
    if (!this.noAck) this.held.remove(delivery);
    this.releaseFor(delivery);
  }

  redeliver(entryId: string, message: TransportMessage, delayMs: number, attempt: number): void {
    this.held.wait(
      entryId,
      setTimeout(() => void this.reclaim(entryId, message, attempt), delayMs),
    );
  }

  private releaseFor(delivery: StreamDelivery): void {
    if (delivery.slotReleased) return;
    delivery.slotReleased = true;
    this.slots.give();
  }

  private handOver(entryId: string, message: TransportMessage, attempt: number): void {
    const delivery = new StreamDelivery(this, entryId, message, attempt);
    if (!this.noAck) this.held.add(delivery);
    let running: Promise<void>;
    try {
      running = this.handler(delivery);
    } catch (error) {
      // The contract says handlers never throw; one that does must not stop the read loop.
      return this.handlerFailed(delivery, error);
    }
    // Unnamed arrows: one shared context, and no per-message naming under an esbuild keepNames build.
    void running.then(
      () => this.afterHandler(delivery),
      (error: unknown) => this.handlerFailed(delivery, error),
    );
  }

  private handlerFailed(delivery: StreamDelivery, error: unknown): void {
    this.logger.error('redis-streams: delivery handler failed', {
      entryId: delivery.entryId,
      error: String(error),
    });
    this.afterHandler(delivery);
  }

  private afterHandler(delivery: StreamDelivery): void {
    if (delivery.isSettled) return;
    // Never settled: stop refreshing it so a claim (ours or another member's) redelivers it.
    this.logger.warn('redis-streams: delivery left unsettled; it will be reclaimed', {
      entryId: delivery.entryId,
    });
    this.held.remove(delivery);
    this.releaseFor(delivery);
  }

  private async reclaim(entryId: string, message: TransportMessage, attempt: number): Promise<void> {
    // Closed: the entry stays pending under this consumer and another member claims it later.
    if (!(await this.takeSlotWhenFree())) return;
    try {
      // RETRYCOUNT makes the group's delivery count say which attempt this is, for any member.
      const claimed = await claimOwn(
        this.commands,
        this.options.topic,
        this.options.group,
        this.config.consumerName,
        [entryId],
        attempt,
      );
      if (claimed.length === 1 && !this.closed) {
        this.held.release(entryId);
        return this.handOver(entryId, message, attempt);
      }
    } catch (error) {
      this.logger.warn('redis-streams: redelivery claim failed; the entry stays pending', {
        entryId,
        error: String(error),
      });
    }
    // Gone (acked or trimmed elsewhere), claim failed or closed meanwhile: let recovery decide.
    this.held.release(entryId);
    this.slots.give();
  }

  async close(): Promise<void> {
    if (this.closed) return this.loop;
    this.closed = true;
    this.stop.abort();
    this.recovery.stop();
    this.held.clearWaiting();
    // Interrupts the BLOCK at once instead of waiting up to blockMs for it to return.
    this.blocker.disconnect();
    await this.loop;
  }

  /** Waits for the acks already requested (used by Transport.close). */
  drainAcks(): Promise<void> {
    return this.acker.drain();
  }
}
