// The sources of the fresh apps: the README's first example as a user copies it, and a service
// built with @polybus/inversify. Only public entry points are imported.
import { readFileSync } from 'node:fs';
import path from 'node:path';

export type ModuleKind = 'esm' | 'cjs';

/**
 * Topic and group names of the README example, renamed per app so that the apps of one run, and
 * the repository's own README test running at the same time on the same brokers, do not consume
 * each other's messages.
 */
const RENAMES: readonly (readonly [string, (suffix: string) => string])[] = [
  ["'orders.created'", (s) => `'orders.created.${s}'`],
  ["'payments.requested'", (s) => `'payments.requested.${s}'`],
  ["group: 'billing'", (s) => `group: 'billing-${s}'`],
  ["group: 'payments'", (s) => `group: 'payments-${s}'`],
];

/** The first ```ts block of the README, as a user copies it. */
export function readmeExample(root: string): string {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const block = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (block === undefined) throw new Error('README.md has no ```ts block');
  return block;
}

/**
 * The README example for one app. ESM keeps it word for word (top-level await); CommonJS has no
 * top-level await, so there the statements after the imports run in an async main, as a CommonJS
 * user would write it.
 */
export function readmeApp(block: string, kind: ModuleKind, suffix: string): string {
  let source = block;
  for (const [from, to] of RENAMES) {
    if (!source.includes(from)) throw new Error(`the README example no longer contains ${from}`);
    source = source.split(from).join(to(suffix));
  }
  if (kind === 'esm') return source;
  const end = source.indexOf("from '@polybus/core';\n");
  if (end < 0) throw new Error("the README example no longer imports from '@polybus/core'");
  const cut = end + "from '@polybus/core';\n".length;
  const body = source
    .slice(cut)
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n');
  return `${source.slice(0, cut)}\nasync function main(): Promise<void> {${body}}\n\nmain().catch((error: unknown) => {\n  console.error(error);\n  process.exitCode = 1;\n});\n`;
}

/** A two-handler service with @polybus/inversify, the way packages/inversify/README.md shows it. */
export function inversifyApp(suffix: string): string {
  return `import 'reflect-metadata';
import { memoryIdempotencyStore, type Bus, type HandlerContext, type Message } from '@polybus/core';
import {
  MessageHandler,
  PolybusTypes,
  Subscribe,
  bindingsByBackend,
  polybusModule,
  startPolybus,
  stopPolybus,
} from '@polybus/inversify';
import { Container, inject, injectable } from 'inversify';

const PLACED = 'orders.placed.${suffix}';
const SETTLED = 'payments.settled.${suffix}';

interface OrderPlaced {
  orderId: string;
  amountCents: number;
}

@injectable()
class PaymentGateway {
  async charge(order: OrderPlaced): Promise<'paid' | 'declined'> {
    return order.amountCents > 0 ? 'paid' : 'declined';
  }
}

@injectable()
class Receipts {
  resolve!: (orderId: string) => void;
  readonly settled = new Promise<string>((resolve) => (this.resolve = resolve));
}

@injectable()
@MessageHandler()
class PaymentsHandler {
  constructor(@inject(PaymentGateway) private readonly gateway: PaymentGateway) {}

  @Subscribe(PLACED, { group: 'payments-${suffix}', retry: { maxAttempts: 5 } })
  async onOrderPlaced(message: Message<OrderPlaced>, ctx: HandlerContext): Promise<void> {
    const status = await this.gateway.charge(message.body);
    await ctx.publish(SETTLED, { orderId: message.body.orderId, status }, { key: message.body.orderId });
  }
}

@injectable()
@MessageHandler()
class NotificationsHandler {
  constructor(@inject(Receipts) private readonly receipts: Receipts) {}

  @Subscribe(SETTLED, { group: 'notifications-${suffix}' })
  onSettled(message: Message<{ orderId: string; status: string }>): void {
    this.receipts.resolve(\`\${message.body.orderId} \${message.body.status}\`);
  }
}

async function main(): Promise<void> {
  const container = new Container();
  container.bind(PaymentGateway).toSelf().inSingletonScope();
  container.bind(Receipts).toSelf().inSingletonScope();
  await container.load(
    polybusModule({
      url: process.env.POLYBUS_URL ?? 'memory://',
      handlers: [PaymentsHandler, NotificationsHandler],
      idempotencyStore: () => memoryIdempotencyStore(),
      bindings: bindingsByBackend([
        { when: {}, options: { guarantee: 'at-least-once', idempotency: PolybusTypes.IdempotencyStore } },
      ]),
    }),
  );
  await startPolybus(container);
  await container.get<Bus>(PolybusTypes.Bus).publish(PLACED, { orderId: 'o-1', amountCents: 1250 }, { key: 'o-1' });
  console.log(\`payment settled for \${await container.get(Receipts).settled}\`);
  await stopPolybus(container);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
`;
}

/**
 * Imports every public entry point of the installed packages, so that each one's declarations are
 * compiled under the app's settings (not only the parts the examples touch).
 */
export function entryPointsApp(entries: readonly string[]): string {
  return (
    entries.map((entry, i) => `import * as entry${i} from '${entry}';`).join('\n') +
    `\n\nexport const loaded: readonly object[] = [${entries.map((_, i) => `entry${i}`).join(', ')}];\n`
  );
}
