/**
 * A TCP proxy between the program and the test PostgreSQL server, to take the database away without touching the
 * server other tests use: `cut` drops every connection and refuses new ones, as a database that went down does, and
 * `restore` lets connections through again, as one that came back.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

export interface DatabaseProxy {
  /** `databaseUrl` with its host and port replaced by the proxy's. */
  url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 to the host and port of `databaseUrl`. */
export async function startDatabaseProxy(databaseUrl: string): Promise<DatabaseProxy> {
  const target = new URL(databaseUrl);
  const open = new Set<Socket>();
  let down = false;
  const server = createServer((client) => {
    // A reset, not a close: postgres.js reconnects at once on a connection closed cleanly while it starts up.
    if (down) return void client.resetAndDestroy();
    const upstream = connect(Number(target.port || 5432), target.hostname);
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      open.add(socket);
      socket.on('error', () => other.destroy());
      socket.on('close', () => {
        open.delete(socket);
        other.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  const cut = () => {
    down = true;
    for (const socket of open) socket.resetAndDestroy();
  };
  return {
    url: url.toString(),
    cut,
    restore: () => {
      down = false;
    },
    close: async () => {
      cut();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
