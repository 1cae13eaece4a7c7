/**
 * `serve` as an operator runs it: one log line per request (no tokens) and per webhook, and behind a trusted
 * reverse proxy (DIGEST_TRUST_PROXY) each visitor has its own signup budget.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanup, fixture, nodeArgs, REPO, tempDir, writeCsv } from './helpers/cli.ts';
import { signedPost, WEBHOOK_SECRET } from './helpers/svix.ts';

const running: ChildProcess[] = [];
afterAll(async () => {
  // Each server stops before its folders go: one still writing its state would race the removal.
  const stopping = running.filter((child) => child.exitCode === null && child.signalCode === null);
  await Promise.all(
    stopping.map((child) => {
      const closed = once(child, 'close');
      child.kill('SIGTERM');
      return closed;
    }),
  );
  cleanup();
});

interface Served {
  url: string;
  output: () => string;
  waitFor: (pattern: RegExp) => Promise<void>;
}

async function serve(env: Record<string, string>): Promise<Served> {
  const dir = tempDir('digest-serve-');
  const csv = writeCsv(dir, ['email,name', 'ada@example.com,Ada']);
  const child = spawn(
    process.execPath,
    [...nodeArgs('main'), 'serve', '--port', '0', '--data', fixture('mixed'), '--subscribers', csv, '--state', path.join(dir, 'state')],
    {
      cwd: REPO,
      env: {
        PATH: process.env.PATH,
        NO_COLOR: '1',
        DIGEST_SECRET: 'serve-log-secret-long-enough-to-sign-links',
        RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.push(child);
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  // No deadline of its own: the test's timeout bounds every wait.
  const waitFor = async (pattern: RegExp) => {
    while (!pattern.test(output)) await new Promise((r) => setTimeout(r, 50));
  };
  await waitFor(/Listening on (http:\/\/\S+) /);
  return { url: /Listening on (http:\/\/\S+) /.exec(output)![1]!, output: () => output, waitFor };
}

const signup = (url: string, email: string, forwardedFor?: string) =>
  fetch(`${url}/subscribe`, {
    method: 'POST',
    body: new URLSearchParams({ email }),
    headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
  });

describe('serve logs and the trusted proxy', () => {
  it('logs one line per request without tokens, and one per webhook with what it changed', async () => {
    const server = await serve({});
    expect((await fetch(`${server.url}/unsubscribe?token=SECRET-TOKEN-VALUE`)).status).toBe(400);
    expect((await fetch(`${server.url}/nowhere`)).status).toBe(404);
    const body = JSON.stringify({ type: 'email.bounced', data: { to: ['ada@example.com'], bounce: { message: 'no such mailbox' } } });
    const hook = await fetch(`${server.url}/webhooks/resend`, signedPost(body, 'msg_1'));
    expect(hook.status).toBe(200);
    await server.waitFor(/POST \/webhooks\/resend 200 \d+ms/);
    const out = server.output();
    expect(out).toMatch(/^GET \/unsubscribe\?token=… 400 \d+ms$/m);
    expect(out).toMatch(/^GET \/nowhere 404 \d+ms$/m);
    expect(out).toMatch(/^webhook email\.bounced to ada@example\.com: ada@example\.com bounced: no more mail$/m);
    expect(out).not.toContain('SECRET-TOKEN-VALUE');
  });

  it('through a trusted proxy, eight signups from eight clients are all accepted; without trust they share one budget', async () => {
    const trusted = await serve({ DIGEST_TRUST_PROXY: '1' });
    const statuses: number[] = [];
    // The client may send its own X-Forwarded-For; the proxy appends the address it saw, the right-most one.
    for (let i = 1; i <= 8; i++) statuses.push((await signup(trusted.url, `reader${i}@example.com`, `10.9.9.9, 203.0.113.${i}`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);

    const untrusted = await serve({});
    const shared: number[] = [];
    for (let i = 1; i <= 8; i++) shared.push((await signup(untrusted.url, `reader${i}@example.com`, `203.0.113.${i}`)).status);
    expect(shared).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
  });
});
