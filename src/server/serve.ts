import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { programClock } from '../clock.ts';
import type { Config } from '../config.ts';
import { transportFor } from '../delivery/transport-for.ts';
import { ConfigError, UserError } from '../errors.ts';
import { LiveSubscribers, SubscriberStore } from '../subscribers/store.ts';
import { createApp, type ServerDeps } from './app.ts';

/** A running server: where it listens, and how to stop it. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** The program's clock (DIGEST_NOW rehearses it), confirmation emails through Resend or into `<state>/outbox/confirmations`, and the list kept current. */
export function defaultDeps(config: Config): ServerDeps {
  return {
    now: programClock(),
    transport: transportFor(config, path.join(config.stateDir, 'outbox', 'confirmations')),
    subscribers: new LiveSubscribers(config.subscribersFile, new SubscriberStore(config.stateDir), { allowMissingCsv: true }),
  };
}

/**
 * Listens on `port` (0: any free port) on every interface; `close` stops accepting and ends open connections.
 * The list is folded first, so the first visitor does not wait for a large one, and a list or event store
 * that can't be read stops the server with its sentence before it answers anyone.
 */
export async function startServer(config: Config, port: number, deps: Partial<ServerDeps> = {}): Promise<RunningServer> {
  // A key anyone can read would let anyone forge an unsubscribe or a confirmation; a random one would break every link at the next start.
  if (config.secretIsEphemeral) {
    throw new ConfigError(
      'DIGEST_SECRET is not set; serve needs it to sign and check unsubscribe, preference and confirmation links (for example: export DIGEST_SECRET=$(openssl rand -base64 32)).',
    );
  }
  const stop = new AbortController();
  const all = { ...defaultDeps(config), ...deps, signal: stop.signal };
  await all.subscribers.current();
  const app = createApp(config, all);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port }, (info: AddressInfo) => {
      server.off('error', onError);
      resolve({
        url: `http://localhost:${info.port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            stop.abort();
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
