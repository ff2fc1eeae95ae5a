import {
  createBus,
  PermanentError,
  memoryIdempotencyStore,
  type Message,
  type HandlerContext,
} from '@polybus/core';

type OrderCreated = { orderId: string; amount: number };

const bus = createBus({ url: process.env.POLYBUS_URL ?? 'memory://' }); // kafka://, amqp://, sqs://, redis://

bus.bind<OrderCreated>('orders.created', handleOrder, {
  group: 'billing',
  guarantee: 'exactly-once',
  idempotency: memoryIdempotencyStore(), // redisIdempotencyStore(...) / postgresInbox(...) across processes
  retry: { maxAttempts: 5, initialDelayMs: 100 }, // then orders.created.dlq, with the reason
});

async function handleOrder(msg: Message<OrderCreated>, ctx: HandlerContext) {
  if (msg.body.amount < 0) throw new PermanentError('negative amount'); // straight to the dead letter
  await ctx.publish('payments.requested', { orderId: msg.body.orderId }); // joins the guarantee
}

// Someone consumes the payments (on RabbitMQ a topic nobody consumes refuses publishes as unroutable).
let paid!: (orderId: string) => void;
const payment = new Promise<string>((resolve) => (paid = resolve));
bus.bind<{ orderId: string }>('payments.requested', (msg) => paid(msg.body.orderId), { group: 'payments' });

await bus.start();
await bus.publish('orders.created', { orderId: 'o-1', amount: 100 }, { key: 'o-1' });
console.log(`payment requested for ${await payment}`); // a real broker takes a moment
await bus.stop({ timeoutMs: 10_000 }); // stop fetching, drain in-flight, ack, close
