import net from 'node:net';

/** A TCP proxy in front of a real server (Redis, PostgreSQL) that a test can take down and bring back: a real outage, no mocks. */
export async function tcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const open = (): Promise<void> =>
    new Promise((resolve) => {
      server = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => s.destroy());
        }
        client.pipe(upstream).pipe(client);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
      });
      server.listen(port, '127.0.0.1', () => {
        port = (server!.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await open();
  return {
    get port() {
      return port;
    },
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    /** Refuse new connections and cut the open ones. */
    down(): Promise<void> {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
    up: open,
    close(): Promise<void> {
      return this.down();
    },
  };
}
