import { injectable } from 'inversify';
import type { OrderPlaced } from './domain';

export type OrderStatus = 'placed' | 'paid' | 'declined';

/** The orders service's own state: what was placed and what each order became. */
@injectable()
export class OrderBook {
  readonly #orders = new Map<string, { order: OrderPlaced; status: OrderStatus; notices: number }>();
  readonly #waiters: (() => void)[] = [];

  placed(order: OrderPlaced): void {
    this.#orders.set(order.orderId, { order, status: 'placed', notices: 0 });
  }

  settled(orderId: string, status: 'paid' | 'declined'): void {
    const entry = this.#orders.get(orderId);
    if (entry === undefined) return; // an order of another run on a shared broker
    entry.status = status;
    entry.notices++;
    this.#waiters.splice(0).forEach((wake) => wake());
  }

  /** Resolves once every placed order is paid or declined, or rejects after `timeoutMs`. */
  async allSettled(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ([...this.#orders.values()].some((e) => e.status === 'placed')) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `orders still open after ${timeoutMs} ms: ${this.summary()
            .filter((l) => l.includes('placed'))
            .join(', ')}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 500));
        this.#waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  /** One line per order, sorted: the example's output, identical on every broker. */
  summary(): string[] {
    return [...this.#orders.values()]
      .map(
        ({ order, status, notices }) =>
          `${order.orderId} ${order.customer} ${order.amountCents} ${status} notices=${notices}`,
      )
      .sort();
  }
}
