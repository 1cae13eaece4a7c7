import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Config } from '../config.ts';
import { transportFor } from '../delivery/transport-for.ts';
import { UserError } from '../errors.ts';
import { openState } from '../state/open.ts';
import type { State } from '../state/stores.ts';
import { lineBuffer } from './access.ts';
import { createRoutes, type ServerDeps } from './app.ts';

/** Where `serve` listens unless told: this machine only, which is what a reverse proxy beside it needs. */
export const DEFAULT_HOST = '127.0.0.1';

/** A running server: where it listens, and how to stop it. */
export interface RunningServer {
  /** The address it really listens on, as a URL (an IPv6 address in brackets). */
  url: string;
  /** Who can reach that address, for a wildcard or loopback one ("every interface", "this machine only"); else null. */
  reach: string | null;
  close(): Promise<void>;
}

/** The URL of the address a server listens on, and who can reach it. */
export function listeningAt(info: AddressInfo): Pick<RunningServer, 'url' | 'reach'> {
  const { address, family, port } = info;
  const reach =
    address === '::'
      ? 'every interface'
      : address === '0.0.0.0'
        ? 'every IPv4 interface'
        : address === '::1' || address.startsWith('127.')
          ? 'this machine only'
          : null;
  return { url: `http://${family === 'IPv6' ? `[${address}]` : address}:${port}`, reach };
}

/** The real clock (`serve` passes the program's, which DIGEST_NOW rehearses), confirmation emails through Resend or into `<state>/outbox/confirmations`, and the list kept current. */
export async function defaultDeps(config: Config, state: State): Promise<ServerDeps> {
  return {
    state,
    now: () => new Date(),
    transport: await transportFor(config, path.join(state.outboxDir, 'confirmations')),
    subscribers: state.list({ allowMissingCsv: true }),
  };
}

/** Why `host`:`port` can't be listened on, in one sentence when it is the user's to fix. */
export function bindError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (error.code) {
    case 'EADDRINUSE':
      return new UserError(`Port ${port} is already in use on ${host}; pass --port N to pick another.`);
    case 'EACCES':
      return new UserError(`Port ${port} needs privileges this user does not have; pass --port N with a port above 1023.`);
    case 'EADDRNOTAVAIL':
      return new UserError(`--host ${host} is not an address of this machine; pass one of its addresses, or 0.0.0.0 for every interface.`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UserError(`--host ${host} could not be resolved to an address; pass an IP address such as 127.0.0.1.`);
    default:
      return error;
  }
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => reject(bindError(error, host, port));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Listens on `host`:`port` (port 0: any free port); `close` stops accepting and ends open connections.
 * The port is taken first and only then is anything started: a second server on a taken port stops before its
 * signup queue mails anyone or writes a line. Then the list is folded, so the first visitor does not wait for a
 * large one, and a list or event store that can't be read stops the server with its sentence before it answers anyone.
 */
export async function startServer(
  config: Config,
  port: number,
  deps: Partial<ServerDeps> = {},
  host = DEFAULT_HOST,
): Promise<RunningServer> {
  // A key anyone can read would let anyone forge an unsubscribe or a confirmation; a random one would break every link at the next start.
  if (config.secretIsEphemeral) {
    throw new UserError(
      'DIGEST_SECRET is not set; serve needs it to sign and check unsubscribe, preference and confirmation links (for example: export DIGEST_SECRET=$(openssl rand -base64 32)).',
    );
  }
  let ready!: (routes: ReturnType<typeof createRoutes>) => void;
  const routes = new Promise<ReturnType<typeof createRoutes>>((resolve) => (ready = resolve));
  const app = getRequestListener(async (request, env) => (await routes).app.fetch(request, env));
  let made: ReturnType<typeof createRoutes> | null = null;
  const dispatch = ({ webhook }: ReturnType<typeof createRoutes>, request: IncomingMessage, response: ServerResponse) => {
    if (!webhook(request, response)) void app(request, response);
  };
  // Once the routes are made, a request goes straight to them, without a promise of its own.
  const server = createServer((request, response) => {
    if (made) dispatch(made, request, response);
    else void routes.then((r) => dispatch(r, request, response));
  });
  const info = await listen(server, host, port);
  const stop = new AbortController();
  // Written a turn of the event loop at a time instead of one write per line; whatever is left goes out at exit.
  const out = lineBuffer((text) => process.stdout.write(text));
  process.on('exit', out.flush);
  const close = () =>
    new Promise<void>((done, fail) => {
      stop.abort();
      server.close((error) => {
        out.close();
        process.off('exit', out.flush);
        if (error) fail(error);
        else done();
      });
      server.closeAllConnections();
    });
  // A state opened here is closed with the server; one given (a test's) is its giver's.
  let opened: State | null = null;
  const closeAll = async () => {
    await close();
    await opened?.close();
  };
  let state = deps.state;
  try {
    if (!state) state = opened = await openState(config);
    const all = { ...(await defaultDeps(config, state)), log: out.write, ...deps, signal: stop.signal };
    await all.subscribers.current();
    made = createRoutes(config, all);
    ready(made);
  } catch (error) {
    await closeAll();
    throw state?.unavailable(error) ?? error;
  }
  return { ...listeningAt(info), close: closeAll };
}
