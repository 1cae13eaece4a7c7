import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signedPost, WEBHOOK_SECRET } from '../../test/helpers/svix.ts';
import { resolveConfig } from '../config.ts';
import { openFiles } from '../state/open.ts';
import type { State } from '../state/stores.ts';
import { createRoutes } from './app.ts';
import { defaultDeps } from './serve.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'webhook-route-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The app's routes on a state folder of their own, with what they log. */
async function routes(name: string, secret: string | undefined, broken = false) {
  const folder = path.join(dir, name);
  const config = resolveConfig(
    { data: folder, subscribers: path.join(folder, 'subscribers.csv'), state: folder },
    { DIGEST_SECRET: 'a-test-secret-that-is-long-enough-1234', ...(secret ? { RESEND_WEBHOOK_SECRET: secret } : {}) },
  );
  const files = openFiles(folder, config.subscribersFile);
  const state: State = broken
    ? { ...files, webhooks: { ...files.webhooks, record: () => Promise.reject(new Error('the disk is gone')) } }
    : files;
  const logged: string[] = [];
  const stop = new AbortController();
  const made = createRoutes(config, {
    ...(await defaultDeps(config, state)),
    now: () => new Date(),
    signal: stop.signal,
    log: (l) => logged.push(l),
  });
  const close = () => {
    stop.abort();
    return files.close();
  };
  return { ...made, logged, close };
}

/** What a response says, without what differs between two servers (the date, the connection). */
async function seen(response: Response) {
  const headers = [...response.headers].filter(([name]) => !['date', 'connection', 'keep-alive'].includes(name));
  return { status: response.status, headers: headers.sort(), text: await response.text() };
}

async function listen(handle: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handle).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const bounced = JSON.stringify({ type: 'email.bounced', data: { to: ['ada@example.com'], bounce: { message: 'no such user' } } });
const cases: [string, string, RequestInit][] = [
  ['a bounce', '/webhooks/resend', signedPost(bounced, 'msg_1')],
  ['its redelivery', '/webhooks/resend', signedPost(bounced, 'msg_1')],
  ['a query with a token', '/webhooks/resend?token=abc&x=1', signedPost(bounced, 'msg_2')],
  ['a forged signature', '/webhooks/resend', { ...signedPost(bounced, 'msg_3'), body: bounced.replace('ada', 'bob') }],
  ['no signature', '/webhooks/resend', { method: 'POST', body: bounced }],
  ['a shape it does not read', '/webhooks/resend', signedPost('{"type":"email.opened","data":{"to":[3]}}', 'msg_4')],
  ['a body with a byte order mark', '/webhooks/resend', signedPost(`\ufeff${bounced}`, 'msg_5')],
];

describe("POST /webhooks/resend on Node's request and response", () => {
  it.each([
    ['with the secret', WEBHOOK_SECRET, false],
    ['without the secret', undefined, false],
    ['when the log cannot be written', WEBHOOK_SECRET, true],
  ])('answers and logs %s exactly as the app does', async (name, secret, broken) => {
    const viaApp = await routes(`app ${name}`, secret, broken);
    const viaNode = await routes(`node ${name}`, secret, broken);
    const taken: boolean[] = [];
    const { server, url } = await listen((request, response) => {
      taken.push(viaNode.webhook(request, response));
      if (!taken.at(-1)) response.end();
    });
    // The app as serve answered every request before: through the Hono adapter.
    const app = await listen(getRequestListener(viaApp.app.fetch));
    try {
      for (const [, target, init] of cases) {
        const fromApp = await seen(await fetch(`${app.url}${target}`, init));
        expect(await seen(await fetch(`${url}${target}`, init))).toEqual(fromApp);
      }
      expect(taken).toEqual(cases.map(() => true));
      const timeless = (lines: string[]) => lines.map((l) => l.replace(/ \d+ms$/, ' …ms'));
      expect(timeless(viaNode.logged)).toEqual(timeless(viaApp.logged));
      if (!broken && secret) expect(timeless(viaNode.logged)).toContain('POST /webhooks/resend?token=…&x=1 200 …ms');
    } finally {
      server.close();
      app.server.close();
      await Promise.all([viaApp.close(), viaNode.close()]);
    }
  });

  it('leaves to the app what is not a plain POST: another method or path, a chunked body, one over the limit', async () => {
    const viaNode = await routes('left', WEBHOOK_SECRET);
    const taken: boolean[] = [];
    const { server, url } = await listen((request, response) => {
      taken.push(viaNode.webhook(request, response));
      if (!taken.at(-1)) response.end();
    });
    try {
      const chunked = new ReadableStream({
        start: (controller) => {
          controller.enqueue(new TextEncoder().encode(bounced));
          controller.close();
        },
      });
      await fetch(`${url}/webhooks/resend`);
      await fetch(`${url}/webhooks/resend/`, signedPost(bounced, 'msg_1'));
      await fetch(`${url}/webhooks/resend`, { ...signedPost(bounced, 'msg_1'), body: chunked, duplex: 'half' } as RequestInit);
      await fetch(`${url}/webhooks/resend`, signedPost('x'.repeat(256 * 1024 + 1), 'msg_1'));
      expect(taken).toEqual([false, false, false, false]);
      expect(viaNode.logged).toEqual([]);
    } finally {
      server.close();
      await viaNode.close();
    }
  });
});
