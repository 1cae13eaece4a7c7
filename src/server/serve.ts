import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createAdaptorServer, type ServerType } from '@hono/node-server';
import type { Hono } from 'hono';
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

function listen(server: ServerType, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new UserError(`Port ${port} is already in use; pass --port N to pick another.`) : error);
    server.once('error', onError);
    server.listen(port, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Listens on `port` (0: any free port) on every interface; `close` stops accepting and ends open connections.
 * The port is taken first and only then is anything started: a second server on a taken port stops before its
 * signup queue mails anyone or writes a line. Then the list is folded, so the first visitor does not wait for a
 * large one, and a list or event store that can't be read stops the server with its sentence before it answers anyone.
 */
export async function startServer(config: Config, port: number, deps: Partial<ServerDeps> = {}): Promise<RunningServer> {
  // A key anyone can read would let anyone forge an unsubscribe or a confirmation; a random one would break every link at the next start.
  if (config.secretIsEphemeral) {
    throw new ConfigError(
      'DIGEST_SECRET is not set; serve needs it to sign and check unsubscribe, preference and confirmation links (for example: export DIGEST_SECRET=$(openssl rand -base64 32)).',
    );
  }
  let ready!: (app: Hono) => void;
  const app = new Promise<Hono>((resolve) => (ready = resolve));
  const server = createAdaptorServer({ fetch: async (request, env) => (await app).fetch(request, env) });
  const info = await listen(server, port);
  const stop = new AbortController();
  const close = () =>
    new Promise<void>((done, fail) => {
      stop.abort();
      server.close((error) => (error ? fail(error) : done()));
      if ('closeAllConnections' in server) server.closeAllConnections();
    });
  try {
    const all = { ...defaultDeps(config), ...deps, signal: stop.signal };
    await all.subscribers.current();
    ready(createApp(config, all));
  } catch (error) {
    await close();
    throw error;
  }
  return { url: `http://localhost:${info.port}`, close };
}
