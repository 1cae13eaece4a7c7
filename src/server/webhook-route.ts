import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeIssues } from '../errors.ts';
import { terminalSafe } from '../plain-text.ts';
import type { State } from '../state/stores.ts';
import { loggablePath, webhookLine } from './access.ts';
import { ResendEvent, stopEventsOf, verifyWebhook, webhookEntryOf, webhookHeaders } from './webhooks.ts';

export const WEBHOOK_PATH = '/webhooks/resend';
export const WEBHOOK_LIMIT = 256 * 1024;

/** An answer in plain text or HTML, as the app gives it. */
export interface Answer {
  status: number;
  text: string;
  html?: boolean;
}

/** What `POST /webhooks/resend` answers to a body (read only once the secret is known to be set) and its headers. */
export type WebhookReceiver = (body: () => Promise<string>, header: (name: string) => string | undefined) => Promise<Answer>;

export function webhookReceiver(
  secret: string | null | undefined,
  deps: { state: State; now: () => Date; log: (line: string) => void },
): WebhookReceiver {
  return async (body, header) => {
    if (!secret) return { status: 503, text: 'RESEND_WEBHOOK_SECRET is not set, so webhooks cannot be verified.' };
    const headers = webhookHeaders(header);
    if (!headers) return { status: 400, text: 'Missing svix-id, svix-timestamp or svix-signature header.' };
    const verified = verifyWebhook(await body(), headers, secret);
    if (!verified) return { status: 401, text: 'Invalid webhook signature.' };
    const event = ResendEvent.safeParse(verified.event);
    if (!event.success) return { status: 400, text: describeIssues('Not a Resend event this server reads', event.error).join(' ') };
    const now = deps.now();
    // Bounces and complaints stop mail to their addresses; every email event is logged for `stats`; each Svix id once.
    const stops = stopEventsOf(event.data, headers.id, now);
    const outcome = await deps.state.webhooks.record(webhookEntryOf(event.data, headers.id, now), stops);
    deps.log(terminalSafe(webhookLine(event.data, stops, outcome)));
    return { status: 200, text: outcome === 'duplicate' ? 'Already recorded.' : 'Recorded.' };
  };
}

const hosts = new Map<string, boolean>();

/** Whether the Hono adapter takes `host` as it is (it answers 400 to one the URL parser rewrites); remembered for the few hosts a server sees. */
function plainHost(host: string): boolean {
  let plain = hosts.get(host);
  if (plain === undefined) {
    try {
      plain = new URL(`http://${host}/`).host === host.toLowerCase() && !host.includes('@');
    } catch {
      plain = false;
    }
    if (hosts.size < 100) hosts.set(host, plain);
  }
  return plain;
}

/**
 * `POST /webhooks/resend` on Node's own request and response, for the signed events Resend sends by the thousand:
 * making each a Web Request and Response for Hono cost a third of the server's time. It answers as the app's route
 * does (the same text, status, headers, log line and error pages) and takes only the plain case: a Content-Length
 * within the limit and nothing the adapter would refuse. Anything else is left to the app (false).
 */
export function nodeWebhookRoute(
  receive: WebhookReceiver,
  options: {
    headers: Record<string, string>;
    log: (line: string) => void;
    failure: (error: unknown, method: string, path: string) => Answer;
  },
): (request: IncomingMessage, response: ServerResponse) => boolean {
  // As the adapter writes a Web Response's headers: in lower case. A flat list of names and values, as writeHead takes it.
  const security = Object.entries(options.headers).flatMap(([name, value]) => [name.toLowerCase(), value]);
  const headersOf = (reply: Answer) => [
    'content-type',
    reply.html ? 'text/html; charset=UTF-8' : 'text/plain; charset=UTF-8',
    ...security,
    'content-length',
    String(Buffer.byteLength(reply.text)),
  ];
  // Those of the answers to recorded events, made once: nearly every answer is one of them.
  const recorded = new Map<string, string[]>();
  return (request, response) => {
    const { method, url = '', headers } = request;
    if (method !== 'POST' || !(url === WEBHOOK_PATH || url.startsWith(`${WEBHOOK_PATH}?`))) return false;
    const length = headers['content-length'];
    if (headers['transfer-encoding'] !== undefined || !length || !/^\d+$/.test(length) || Number(length) > WEBHOOK_LIMIT) return false;
    if (!headers.host || !plainHost(headers.host)) return false;
    const started = performance.now();
    const answer = (reply: Answer) => {
      let headers = reply.status === 200 ? recorded.get(reply.text) : undefined;
      if (!headers) {
        headers = headersOf(reply);
        if (reply.status === 200 && recorded.size < 10) recorded.set(reply.text, headers);
      }
      response.writeHead(reply.status, headers);
      response.end(reply.text);
      options.log(`POST ${url === WEBHOOK_PATH ? url : loggablePath(url)} ${reply.status} ${Math.round(performance.now() - started)}ms`);
    };
    const body = () =>
      new Promise<string>((resolve, reject) => {
        const chunks: Buffer[] = [];
        request.on('data', (chunk: Buffer) => chunks.push(chunk));
        request.on('end', () => {
          const text = (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).toString('utf8');
          // As a Web Request's text() reads it: UTF-8 without its byte order mark.
          resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
        });
        request.on('error', reject);
      });
    receive(body, (name) => {
      const value = headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    }).then(answer, (error: unknown) => {
      if (request.readableAborted || response.destroyed) return;
      answer(options.failure(error, 'POST', WEBHOOK_PATH));
    });
    return true;
  };
}
