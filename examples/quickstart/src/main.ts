/**
 * One handler, bound three times — once per delivery guarantee — on the in-memory broker, while
 * the broker and the handler misbehave. The table shows what each guarantee promises.
 *
 *   pnpm demo
 */
import {
  createBus,
  memoryIdempotencyStore,
  memoryTransport,
  silentLogger,
  type Guarantee,
  type Message,
} from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { printTable } from './table';

const PAYMENTS = 2_000;
const GUARANTEES: Guarantee[] = ['at-most-once', 'at-least-once', 'exactly-once'];

// The effect we care about: how many times each payment was credited, per guarantee.
const ledger = new Map<Guarantee, Map<string, number>>(GUARANTEES.map((g) => [g, new Map()]));

// The one handler. It fails one time in ten, as real handlers do when a database hiccups.
let calls = 0;
async function creditAccount(msg: Message<{ paymentId: string }>, guarantee: Guarantee): Promise<void> {
  if (++calls % 10 === 0) throw new Error('database timeout');
  const credits = ledger.get(guarantee)!;
  credits.set(msg.body.paymentId, (credits.get(msg.body.paymentId) ?? 0) + 1);
}

// Idempotency records shared by the consumers (in production: Redis or PostgreSQL).
const store = memoryIdempotencyStore();

// A consumer process. The broker loses 3% of acks and delivers 3% of messages twice.
async function startConsumer() {
  const transport = memoryTransport({
    namespace: 'quickstart',
    visibilityTimeoutMs: 200,
    faults: { ackDropRate: 0.03, duplicateDeliveryRate: 0.03 },
  });
  const bus = createBus({ transport, logger: silentLogger });
  for (const guarantee of GUARANTEES)
    bus.bind<{ paymentId: string }>('payments', (msg) => creditAccount(msg, guarantee), {
      group: guarantee, // one group per guarantee: each sees every payment
      guarantee,
      ...(guarantee === 'exactly-once' && { idempotency: store }),
      ...(guarantee !== 'at-most-once' && { retry: { maxAttempts: 10, initialDelayMs: 5, maxDelayMs: 50 } }),
    });
  await bus.start();
  return { bus, transport };
}

async function main(): Promise<void> {
  const first = await startConsumer();
  const second = await startConsumer();
  const publisher = createBus({ url: 'memory://quickstart', logger: silentLogger });

  for (let i = 0; i < PAYMENTS; i++) {
    await publisher.publish('payments', { paymentId: `pay-${i}` }, { idempotencyKey: `pay-${i}` });
    if (i === PAYMENTS / 2) first.transport.crash(); // a consumer dies mid-stream, holding messages
  }

  // Let retries and redeliveries play out: until every payment is credited or 20 s pass.
  await waitFor(
    () => ['at-least-once', 'exactly-once'].every((g) => ledger.get(g as Guarantee)!.size === PAYMENTS),
    {
      timeoutMs: 20_000,
    },
  ).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, 500)); // stragglers: late duplicates would show up now
  await Promise.all([first.bus.stop(), second.bus.stop(), publisher.stop()]);

  console.log(`\n${PAYMENTS} payments; the handler fails 1 call in 10; the broker loses 3% of acks,`);
  console.log(`delivers 3% twice; one of two consumers crashes halfway.\n`);
  printTable(
    GUARANTEES.map((guarantee) => {
      const credits = [...ledger.get(guarantee)!.values()];
      return {
        guarantee,
        published: PAYMENTS,
        processed: credits.length,
        lost: PAYMENTS - credits.length,
        duplicated: credits.filter((n) => n > 1).length,
      };
    }),
  );
  console.log('\nlost: never credited. duplicated: credited more than once.');
  console.log('at-most-once never repeats, at-least-once never loses, exactly-once does neither.\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
