/**
 * `serve` as an operator starts it: the secret it needs, and signup confirmations that survive a crash.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeResend, type FakeResend } from './fake-resend.ts';
import { cleanup, filesUnder, runCli, spawnCli, stderrLines, tempDir, traceNoise, writeCsv, writeText } from './helpers/cli.ts';

afterAll(cleanup);

describe('serve', () => {
  it('refuses to start without DIGEST_SECRET, in one sentence naming it', async () => {
    const dir = tempDir();
    const csv = writeCsv(dir, ['email,name', 'ada@example.com,Ada']);
    const result = await runCli(['serve', '--port', '0', '--subscribers', csv, '--state', path.join(dir, 'state')], {
      env: { DIGEST_SECRET: undefined },
    });
    expect(result.status).not.toBe(0);
    expect(result.stdout).not.toContain('Listening');
    expect(traceNoise(result.stdout + result.stderr)).toEqual([]);
    expect(stderrLines(result)).toEqual([expect.stringMatching(/^DIGEST_SECRET is not set; serve needs it/)]);
  });
});

/** `serve` as a child process: resolves with its URL once it listens; `done` settles when it exits. */
function startServe(args: string[], env: Record<string, string | undefined>) {
  let child!: ChildProcess;
  let output = '';
  const done = spawnCli(['serve', '--port', '0', ...args], { env, onSpawn: (c) => (child = c) });
  const url = new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer | string) => {
      output += chunk.toString();
      const match = /Listening on (http:\/\/\S+) /.exec(output);
      if (match) resolve(match[1]!);
    });
    void done.then((result) => reject(new Error(`serve exited before listening: ${result.stderr}`)));
  });
  return { url, done, child: () => child, output: () => output };
}

/** Polls until `probe` gives something truthy; the test's own timeout is the only deadline. */
async function until<T>(probe: () => T | Promise<T>): Promise<NonNullable<T>> {
  for (;;) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('serve sends each signup confirmation exactly once, even when killed between the answer and the mail', () => {
  let fake: FakeResend;
  let blackhole: Server;
  let heldRequests = 0;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    fake = await startFakeResend();
    // A provider that takes the request and never answers: the mail is not out when serve dies.
    blackhole = createServer((socket) => {
      sockets.add(socket);
      socket.once('data', () => heldRequests++);
    });
    await new Promise<void>((resolve) => blackhole.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => blackhole.close(resolve));
    await fake.close();
  });

  it('a signup answered, then serve killed with -9 before or after the provider took it: one email each, after the restart', async () => {
    const dir = tempDir();
    const csv = writeCsv(dir, ['email,name', 'ada@example.com,Ada']);
    const state = path.join(dir, 'state');
    const args = ['--subscribers', csv, '--state', state];
    const env = (baseUrl: string) => ({
      RESEND_API_KEY: 're_test_key',
      RESEND_BASE_URL: baseUrl,
      DIGEST_FROM: 'Verdicts <verdicts@example.com>',
      DIGEST_SECRET: 'serve-test-secret-long-enough-to-sign-links',
      DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
      DIGEST_POSTAL_ADDRESS: '1 Main St, Springfield',
    });
    const subscribe = (url: string, email: string) => fetch(`${url}/subscribe`, { method: 'POST', body: new URLSearchParams({ email }) });
    const outcomes = () =>
      readFileSync(path.join(state, 'subscribers', 'signups.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { type: string; outcome?: string })
        .filter((l) => l.type === 'done')
        .map((l) => l.outcome);

    // 1. The provider never answers: the reader has the answer, the mail is not out, and serve dies.
    const first = startServe(args, env(`http://127.0.0.1:${(blackhole.address() as AddressInfo).port}`));
    const answer = await subscribe(await first.url, 'nia@example.com');
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain('Check your inbox');
    await until(() => heldRequests === 1);
    first.child().kill('SIGKILL');
    await first.done;
    expect(fake.deliveredTo('nia@example.com')).toEqual([]);

    // 2. The next start mails it; then a second signup whose mail the provider takes but answers slowly, and serve dies again.
    const second = startServe(args, env(fake.url));
    const secondUrl = await second.url;
    await until(() => fake.deliveredTo('nia@example.com').length === 1);
    await until(() => outcomes().length === 1);
    fake.inject({ kind: 'slow', ms: 1500, times: 1 });
    expect((await subscribe(secondUrl, 'omar@example.com')).status).toBe(200);
    await until(() => fake.deliveredTo('omar@example.com').length === 1);
    second.child().kill('SIGKILL');
    await second.done;
    await until(() => fake.answering === 0);

    // 3. The restart sends omar's again under the same key: the provider knows it, and nobody gets two.
    const third = startServe(args, env(fake.url));
    await third.url;
    await until(() => outcomes().length === 2);
    third.child().kill('SIGTERM');
    await third.done;

    expect(outcomes()).toEqual(['sent', 'sent']);
    expect(fake.deliveredTo('nia@example.com')).toHaveLength(1);
    expect(fake.deliveredTo('omar@example.com')).toHaveLength(1);
    const omarKeys = fake.requests.filter(
      (r) => r.path === '/emails/batch' && r.idempotencyKey === fake.deliveredTo('omar@example.com')[0]!.idempotencyKey,
    );
    expect(omarKeys.length).toBeGreaterThanOrEqual(2);
  });
});

const SECRET = 'a-test-secret-that-is-long-enough-1234';

describe('serve --host', () => {
  it('listens on 127.0.0.1 unless told, on every interface with --host ::, and prints the address it really listens on', async () => {
    const dir = tempDir();
    const args = ['--subscribers', writeCsv(dir, ['email,name', 'ada@example.com,Ada']), '--state', path.join(dir, 'state')];
    const loopback = startServe(args, { DIGEST_SECRET: SECRET });
    const every = startServe([...args, '--host', '::'], { DIGEST_SECRET: SECRET });
    const [loopbackUrl, everyUrl] = await Promise.all([loopback.url, every.url]);

    expect(loopbackUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(loopback.output()).toContain(`Listening on ${loopbackUrl} (this machine only); emails link to http://localhost:8787.`);
    expect((await fetch(loopbackUrl)).status).toBe(200);
    expect(everyUrl).toMatch(/^http:\/\/\[::\]:\d+$/);
    expect(every.output()).toContain(`Listening on ${everyUrl} (every interface)`);
    const port = new URL(everyUrl).port;
    for (const address of [`http://127.0.0.1:${port}`, `http://[::1]:${port}`]) expect((await fetch(address)).status).toBe(200);

    for (const server of [loopback, every]) server.child().kill('SIGTERM');
    await Promise.all([loopback.done, every.done]);
  });

  it('refuses a --host that is not an address, or not one of this machine, in one sentence', async () => {
    const dir = tempDir();
    const args = ['--port', '0', '--subscribers', writeCsv(dir, ['email,name']), '--state', path.join(dir, 'state')];
    const [bad, foreign] = await Promise.all(
      // 192.0.2.1 is reserved for documentation (RFC 5737): never an address of this machine.
      ['not a host', '192.0.2.1'].map((host) => runCli(['serve', '--host', host, ...args], { env: { DIGEST_SECRET: SECRET } })),
    );
    expect(bad!.status).toBe(1);
    expect(stderrLines(bad!)).toEqual([
      '--host "not a host" is not an IP address or host name, such as 127.0.0.1 (this machine only) or 0.0.0.0 (every interface).',
    ]);
    expect(foreign!.status).toBe(1);
    expect(stderrLines(foreign!)).toEqual([
      '--host 192.0.2.1 is not an address of this machine; pass one of its addresses, or 0.0.0.0 for every interface.',
    ]);
    expect(filesUnder(dir)).toEqual(['subscribers.csv']);
  });
});

describe('a second serve on a port that is taken', () => {
  let fake: FakeResend;
  beforeAll(async () => {
    fake = await startFakeResend();
  });
  afterAll(() => fake.close());

  it('exits at once with one sentence, having mailed nobody and written nothing, though its signup queue has work', async () => {
    const dir = tempDir();
    const csv = writeCsv(dir, ['email,name', 'ada@example.com,Ada']);
    const env = {
      RESEND_API_KEY: 're_test_key',
      RESEND_BASE_URL: fake.url,
      DIGEST_FROM: 'Verdicts <verdicts@example.com>',
      DIGEST_SECRET: SECRET,
      DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
      DIGEST_POSTAL_ADDRESS: '1 Main St, Springfield',
    };
    /** A state whose signup queue holds one signup still waiting for its confirmation email (left by a run that stopped). */
    const stateWithSignup = (name: string, email: string) => {
      const state = path.join(dir, name);
      const signup = { type: 'signup', id: `left-${email}`, email, name: null, categories: [], at: new Date().toISOString() };
      writeText(path.join(state, 'subscribers', 'signups.jsonl'), `${JSON.stringify(signup)}\n`);
      return state;
    };

    const first = startServe(['--subscribers', csv, '--state', stateWithSignup('first', 'nia@example.com')], env);
    const port = new URL(await first.url).port;
    await until(() => fake.deliveredTo('nia@example.com').length === 1);

    const state = stateWithSignup('second', 'omar@example.com');
    const before = filesUnder(state).map((file) => [file, readFileSync(path.join(state, file), 'utf8')]);
    const second = await runCli(['serve', '--port', port, '--subscribers', csv, '--state', state], { env });

    expect(second.status).toBe(1);
    expect(stderrLines(second)).toEqual([`Port ${port} is already in use on 127.0.0.1; pass --port N to pick another.`]);
    expect(second.stdout).toBe('');
    expect(fake.deliveredTo('omar@example.com')).toEqual([]);
    expect(filesUnder(state).map((file) => [file, readFileSync(path.join(state, file), 'utf8')])).toEqual(before);

    first.child().kill('SIGTERM');
    await first.done;
  });
});
