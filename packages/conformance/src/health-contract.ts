import type { Transport } from '@polybus/core';
import { waitFor } from '@polybus/core/testing';
import { tcpProxy } from './tcp-proxy';

/**
 * `health()` tells the truth about the connection: ok while connected, not ok within seconds of
 * the broker becoming unreachable (the network cut by a proxy, every reconnect refused), ok again
 * once it is back. `make(port)` builds a transport that reaches the broker at 127.0.0.1:`port`.
 */
export async function expectHealthFollowsConnection(
  broker: { host: string; port: number },
  make: (port: number) => Transport,
): Promise<void> {
  const proxy = await tcpProxy(broker.host, broker.port);
  const transport = make(proxy.port);
  try {
    await transport.connect();
    expect((await transport.health!()).ok).toBe(true);
    await proxy.cut();
    await waitFor(async () => !(await transport.health!()).ok, {
      timeoutMs: 10_000,
      description: 'health not ok with the broker unreachable',
    });
    await proxy.restore();
    await waitFor(async () => (await transport.health!()).ok, {
      timeoutMs: 20_000,
      description: 'health ok again once the broker is back',
    });
  } finally {
    await transport.close().catch(() => undefined);
    await proxy.close();
  }
}
