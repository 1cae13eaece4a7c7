import { once } from 'node:events';
import { defineCommand } from 'citty';
import { UserError } from '../errors.ts';
import { startServer } from '../server/serve.ts';
import { commonArgs, configFrom, strictFlags } from './common.ts';

export const DEFAULT_PORT = 8787;

function portOf(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UserError(`--port "${value}" is not a port number from 0 to 65535.`);
  return port;
}

export default defineCommand({
  meta: { name: 'serve', description: 'Run the web endpoints: unsubscribe, preferences, signup, the issue archive and the Resend webhook' },
  args: {
    ...commonArgs,
    port: { type: 'string', description: `port to listen on (default: ${DEFAULT_PORT})` },
  },
  plugins: [strictFlags],
  async run({ args }) {
    const config = configFrom(args);
    const port = portOf(args.port);
    const server = await startServer(config, port);
    if (!config.webhookSecret) console.error('Warning: RESEND_WEBHOOK_SECRET is not set; POST /webhooks/resend answers 503.');
    console.log(`Listening on ${server.url} (emails link to ${config.publicUrl}). Ctrl+C stops.`);
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    await server.close();
    console.log('Stopped.');
  },
});
