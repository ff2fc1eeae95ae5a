import type { Message } from '@polybus/core';
import { MessageHandler, Subscribe } from '@polybus/inversify';
import { inject, injectable } from 'inversify';
import type { CustomerNotified } from './domain';
import { OrderBook } from './order-book';
import { Groups, Topics } from './topics';

/** Closes the loop in the orders service: an order is done once its customer was told. */
@injectable()
@MessageHandler()
export class OrderStatusHandler {
  constructor(@inject(OrderBook) private readonly book: OrderBook) {}

  @Subscribe(Topics.customerNotified, { group: Groups.orders })
  async onCustomerNotified(message: Message<CustomerNotified>): Promise<void> {
    this.book.settled(message.body.orderId, message.body.status);
  }
}
