import type { Bus } from '@polybus/core';
import { PolybusTypes } from '@polybus/inversify';
import { inject, injectable } from 'inversify';
import type { OrderPlaced } from './domain';
import { OrderBook } from './order-book';
import { Topics } from './topics';

/** The entry point of the flow: records an order and publishes it. */
@injectable()
export class OrderService {
  constructor(
    @inject(PolybusTypes.Bus) private readonly bus: Bus,
    @inject(OrderBook) private readonly book: OrderBook,
  ) {}

  async place(order: OrderPlaced): Promise<void> {
    this.book.placed(order);
    await this.bus.publish(Topics.orderPlaced, order, {
      key: order.orderId,
      idempotencyKey: `${order.orderId}:placed`,
    });
  }
}
