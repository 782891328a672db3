// A TCP proxy in front of the test PostgreSQL that can cut every connection through it, as a
// failover or a network fault would: the sockets end with no message from the server, which pg
// reports as "Connection terminated unexpectedly". A test points a store at `url` and cuts at the
// moment it needs, by hand (`cut`) or when the store sends a statement (`cutWhenSent`).
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface PostgresProxy {
  /** The test database's URL through the proxy. */
  url: string;
  /** How many times every connection through the proxy was cut. */
  cuts: number;
  cut(): void;
  /** Cuts every connection, once, the first time a store sends bytes holding `text` (a statement's start). */
  cutWhenSent(text: string): void;
  close(): Promise<void>;
}

export async function startPostgresProxy(databaseUrl: string): Promise<PostgresProxy> {
  const target = new URL(databaseUrl);
  const sockets = new Set<Socket>();
  let trigger: string | undefined;
  const proxy: PostgresProxy = {
    url: '',
    cuts: 0,
    cut() {
      proxy.cuts++;
      for (const socket of sockets) socket.destroy();
    },
    cutWhenSent(text) {
      trigger = text;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = createServer((inbound) => {
    const outbound = connect(Number(target.port || 5432), target.hostname);
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    inbound.on('data', (bytes: Buffer) => {
      if (trigger !== undefined && bytes.includes(trigger)) {
        trigger = undefined;
        proxy.cut();
      }
    });
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const viaProxy = new URL(databaseUrl);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String((server.address() as AddressInfo).port);
  proxy.url = viaProxy.toString();
  return proxy;
}
