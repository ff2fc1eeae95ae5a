import type { HandlerContext, Message } from '@polybus/core';
import { MessageHandler, Subscribe } from '@polybus/inversify';
import { inject, injectable } from 'inversify';
import type { CustomerNotified, PaymentSettled } from './domain';
import { Mailer } from './mailer';
import { Groups, Topics } from './topics';

/** Tells the customer how the payment went. */
@injectable()
@MessageHandler()
export class NotificationsHandler {
  constructor(@inject(Mailer) private readonly mailer: Mailer) {}

  @Subscribe(Topics.paymentSettled, { group: Groups.notifications })
  async onPaymentSettled(message: Message<PaymentSettled>, ctx: HandlerContext): Promise<void> {
    const { orderId, customer, amountCents, status } = message.body;
    const text =
      status === 'paid'
        ? `Order ${orderId}: we received ${(amountCents / 100).toFixed(2)}. Thank you!`
        : `Order ${orderId}: your payment was declined.`;
    this.mailer.send(customer, text);
    const notified: CustomerNotified = { orderId, status, text };
    await ctx.publish(Topics.customerNotified, notified, {
      key: orderId,
      idempotencyKey: `${orderId}:notified`,
    });
  }
}
