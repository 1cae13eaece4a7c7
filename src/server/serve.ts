import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { transportFor } from '../cli/common.ts';
import type { Config } from '../config.ts';
import { UserError } from '../errors.ts';
import { createApp, type ServerDeps } from './app.ts';

/** A running server: where it listens, and how to stop it. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** The real clock, and confirmation emails through Resend or into `<state>/outbox/confirmations`. */
export function defaultDeps(config: Config): ServerDeps {
  return { now: () => new Date(), transport: transportFor(config, path.join(config.stateDir, 'outbox', 'confirmations')) };
}

/** Listens on `port` (0: any free port) on every interface; `close` stops accepting and ends open connections. */
export function startServer(config: Config, port: number, deps: Partial<ServerDeps> = {}): Promise<RunningServer> {
  const app = createApp(config, { ...defaultDeps(config), ...deps });
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port }, (info: AddressInfo) => {
      server.off('error', onError);
      resolve({
        url: `http://localhost:${info.port}`,
        close: () => new Promise<void>((done, fail) => {
          server.close((error) => (error ? fail(error) : done()));
          if ('closeAllConnections' in server) server.closeAllConnections();
        }),
      });
    });
    const onError = (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new UserError(`Port ${port} is already in use; pass --port N to pick another.`) : error);
    };
    server.once('error', onError);
  });
}
