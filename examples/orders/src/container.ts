import 'reflect-metadata';
import { memoryIdempotencyStore } from '@polybus/core';
import { polybusModule } from '@polybus/inversify';
import { Container } from 'inversify';
import { orderBindings } from './bindings';
import { Mailer } from './mailer';
import { NotificationsHandler } from './notifications.handler';
import { OrderBook } from './order-book';
import { OrderService } from './order-service';
import { OrderStatusHandler } from './order-status.handler';
import { PaymentGateway } from './payment-gateway';
import { PaymentsHandler } from './payments.handler';

/** The whole service wired in one container; the broker is the only thing that varies. */
export async function buildContainer(url: string): Promise<Container> {
  const container = new Container({ defaultScope: 'Singleton' });
  container.bind(PaymentGateway).toSelf();
  container.bind(Mailer).toSelf();
  container.bind(OrderBook).toSelf();
  container.bind(OrderService).toSelf();
  await container.load(
    polybusModule({
      url,
      handlers: [PaymentsHandler, NotificationsHandler, OrderStatusHandler],
      idempotencyStore: () => memoryIdempotencyStore(),
      bindings: orderBindings,
    }),
  );
  return container;
}
