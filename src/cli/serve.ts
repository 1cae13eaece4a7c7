import { once } from 'node:events';
import { isIP } from 'node:net';
import { defineCommand } from 'citty';
import { UserError } from '../errors.ts';
import { DEFAULT_HOST, startServer } from '../server/serve.ts';
import { commonArgs, configFrom, print, printError, strictFlags } from './common.ts';
import { clock } from './io.ts';

export const DEFAULT_PORT = 8787;

const HOST_NAME = /^(?=.{1,253}$)[a-z\d](?:[a-z\d-]{0,61}[a-z\d])?(?:\.[a-z\d](?:[a-z\d-]{0,61}[a-z\d])?)*$/i;

function portOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UserError(`--port "${value}" is not a port number from 0 to 65535.`);
  return port;
}

/** An IP address (an IPv6 one with or without brackets) or a host name. */
function hostOf(value: string | undefined): string {
  if (value === undefined) return DEFAULT_HOST;
  const host = value.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) === 0 && !HOST_NAME.test(host)) {
    throw new UserError(
      `--host ${JSON.stringify(value)} is not an IP address or host name, such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).`,
    );
  }
  return host;
}

export default defineCommand({
  meta: { name: 'serve', description: 'Run the web endpoints: unsubscribe, preferences, signup, the issue archive and the Resend webhook' },
  args: {
    ...commonArgs,
    host: {
      type: 'string',
      description: `address to listen on (default: ${DEFAULT_HOST}, this machine only; 0.0.0.0 or :: for every interface)`,
    },
    port: { type: 'string', description: `port to listen on (default: ${DEFAULT_PORT})` },
  },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    const [host, port] = [hostOf(args.host), portOf(args.port)];
    const server = await startServer(config, port, { now: clock() }, host);
    if (!config.webhookSecret) printError('Warning: RESEND_WEBHOOK_SECRET is not set; POST /webhooks/resend answers 503.');
    print(`Listening on ${server.url}${server.reach ? ` (${server.reach})` : ''}; emails link to ${config.publicUrl}. Ctrl+C stops.`);
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    await server.close();
    print('Stopped.');
  },
});
