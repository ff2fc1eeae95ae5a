import { createBus, type Logger, type LogFields, type Transport } from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { tcpProxy } from './tcp-proxy';

/** How long the network stays cut: long enough for several reconnect or poll attempts to fail. */
const OUTAGE_MS = 6_000;

/** Warnings and errors a consumer may log for one outage: one as it starts (the publisher may add one). */
const MOST_LOGS_PER_OUTAGE = 2;

interface Entry {
  readonly level: 'warn' | 'error' | 'info';
  readonly message: string;
  readonly fields?: LogFields;
}

function recordAll(entries: Entry[]): Logger {
  const logger: Logger = {
    debug: () => undefined,
    info: (message, fields) => void entries.push({ level: 'info', message, fields }),
    warn: (message, fields) => void entries.push({ level: 'warn', message, fields }),
    error: (message, fields) => void entries.push({ level: 'error', message, fields }),
    child: () => logger,
  };
  return logger;
}

/**
 * A consumer that loses its broker logs the outage once per change of state, not once per
 * reconnect or poll attempt: at most two warnings or errors while the network is cut for 6 s
 * (long enough for every adapter's backoff to fail several times), and it goes on once the broker
 * is back: a message published after the outage is handled. `make(port, logger)` builds a
 * transport that reaches the broker at 127.0.0.1:`port` and logs through `logger`.
 */
export async function expectOutageLoggedOnce(
  broker: { host: string; port: number },
  make: (port: number, logger: Logger) => Transport,
  topic: string,
): Promise<void> {
  const proxy = await tcpProxy(broker.host, broker.port);
  const entries: Entry[] = [];
  const logger = recordAll(entries);
  const bus = createBus({ transport: make(proxy.port, logger), logger });
  const seen = new Set<string>();
  bus.bind<{ n: string }>(topic, async (m) => void seen.add(m.body.n), { group: 'g' });
  try {
    await bus.start();
    await bus.publish(topic, { n: 'before' });
    await waitFor(() => seen.has('before'), { timeoutMs: 30_000, description: 'handled before the outage' });
    const from = entries.length;
    await proxy.cut();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    const during = entries.slice(from).filter((e) => e.level !== 'info');
    await proxy.restore();
    await waitFor(
      async () => {
        await bus.publish(topic, { n: 'after' }).catch(() => undefined);
        return seen.has('after');
      },
      { timeoutMs: 60_000, intervalMs: 2_000, description: 'handled after the outage' },
    );
    // Shows what was logged when there was too much.
    const logged = during.map((e) => `${e.level}: ${e.message} ${JSON.stringify(e.fields ?? {})}`);
    expect(logged.length > MOST_LOGS_PER_OUTAGE ? logged : []).toEqual([]);
  } finally {
    await bus.stop({ timeoutMs: 2_000 }).catch(() => undefined);
    await proxy.close();
  }
}
