import 'reflect-metadata';
import { startPolybus, stopPolybus } from '@polybus/inversify';
import { buildContainer } from './container';
import type { OrderPlaced } from './domain';
import { OrderBook } from './order-book';
import { OrderService } from './order-service';

// Fixed orders so that every run, on every broker, must print the same summary.
const ORDERS: OrderPlaced[] = [
  { orderId: 'o-1', customer: 'ada@example.com', amountCents: 1_250 },
  { orderId: 'o-2', customer: 'grace@example.com', amountCents: 99_900 },
  { orderId: 'o-3', customer: 'linus@example.com', amountCents: 42_000 },
  { orderId: 'o-4', customer: 'barbara@example.com', amountCents: 50_001 },
  { orderId: 'o-5', customer: 'ken@example.com', amountCents: 300 },
];

async function main(): Promise<void> {
  const url = process.env.POLYBUS_URL ?? 'memory://';
  const container = await buildContainer(url);
  await startPolybus(container);
  try {
    const service = container.get(OrderService);
    for (const order of ORDERS) await service.place(order);
    await container.get(OrderBook).allSettled(Number(process.env.ORDERS_TIMEOUT_MS ?? 60_000));
    for (const line of container.get(OrderBook).summary()) console.log(line);
  } finally {
    await stopPolybus(container);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
