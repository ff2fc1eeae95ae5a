import type { Coordinates, Delivery, DeliveryTransaction, MessageHeaders, TransportMessage } from '@polybus/core';

export type SettleKind = 'ack' | 'dead-letter' | 'commit';

/** Makes a settlement durable: commit bookkeeping, dead-letter copy, or the Kafka transaction. */
export type Settler = (kind: SettleKind, outputs: readonly TransportMessage[]) => Promise<void>;

/**
 * One hand-over of one Kafka record. Kafka has no per-message redelivery, so `nack` marks the
 * delivery for redelivery in place: the subscription hands the same record to the handler again
 * (keeping its key's turn and its partition's commit point) once this delivery's handler returned.
 */
export class KafkaDelivery implements Delivery {
  state: 'open' | 'settling' | 'settled' | 'nacked' = 'open';
  nextAttempt?: number;
  /** The settlement in progress, for a handler that returned without awaiting it. */
  pending?: Promise<void>;
  readonly transaction?: () => DeliveryTransaction;

  constructor(
    readonly message: TransportMessage,
    readonly attempt: number,
    readonly coordinates: Coordinates,
    private readonly settler: Settler,
    transactional: boolean,
  ) {
    if (transactional) this.transaction = () => this.openTransaction();
  }

  ack(): Promise<void> {
    return this.settle('ack', []);
  }

  async nack(options?: { delayMs?: number; attempt?: number }): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'nacked';
    this.nextAttempt = options?.attempt ?? this.attempt + 1;
  }

  deadLetter(topic: string, headers: MessageHeaders): Promise<void> {
    const copy: TransportMessage = { ...this.message, topic, headers: { ...this.message.headers, ...headers } };
    return this.settle('dead-letter', [copy]);
  }

  private settle(kind: SettleKind, outputs: readonly TransportMessage[]): Promise<void> {
    if (this.state !== 'open') return Promise.resolve();
    this.state = 'settling';
    const done = this.settler(kind, outputs).then(
      () => {
        this.state = 'settled';
      },
      (error: unknown) => {
        // Not settled after all: the core may nack or dead-letter it instead.
        this.state = 'open';
        throw error;
      },
    );
    this.pending = done.catch(() => undefined);
    return done;
  }

  private openTransaction(): DeliveryTransaction {
    const outputs: TransportMessage[] = [];
    let ended = false;
    return {
      publish: async (messages) => {
        if (ended) throw new Error('this delivery transaction has ended');
        outputs.push(...messages);
      },
      commit: () => {
        ended = true;
        return this.settle('commit', outputs);
      },
      abort: async () => {
        // Outputs are buffered until commit, so aborting sends nothing to Kafka.
        ended = true;
        outputs.length = 0;
      },
    };
  }
}
