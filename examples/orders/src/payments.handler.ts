import type { HandlerContext, Message } from '@polybus/core';
import { MessageHandler, Subscribe } from '@polybus/inversify';
import { inject, injectable } from 'inversify';
import type { OrderPlaced, PaymentSettled } from './domain';
import { PaymentGateway } from './payment-gateway';
import { Groups, Topics } from './topics';

/** Charges each placed order and announces the result. Knows nothing of the broker or guarantee. */
@injectable()
@MessageHandler()
export class PaymentsHandler {
  constructor(@inject(PaymentGateway) private readonly gateway: PaymentGateway) {}

  @Subscribe(Topics.orderPlaced, { group: Groups.payments })
  async onOrderPlaced(message: Message<OrderPlaced>, ctx: HandlerContext): Promise<void> {
    const { orderId, customer, amountCents } = message.body;
    const status = this.gateway.charge(customer, amountCents);
    const settled: PaymentSettled = { orderId, customer, amountCents, status };
    await ctx.publish(Topics.paymentSettled, settled, { key: orderId, idempotencyKey: `${orderId}:settled` });
  }
}
