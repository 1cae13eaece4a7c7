/**
 * `send` through Resend, with the SDK pointed at the fake server (RESEND_BASE_URL): batches, Idempotency-Key,
 * headers, re-runs, missing settings, pacing, and faults (5xx, 429, quota, a crash after a delivered but
 * unacknowledged batch).
 */
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeResend, type FakeResend, type RequestLogEntry } from './fake-resend.ts';
import { cleanup, filesUnder, fixture, runCli, spawnCli, stderrLines, tempDir, traceNoise, writeCsv } from './helpers/cli.ts';

const WEEK = '2026-W46';
const FROM = 'Weekly AI Tool Verdicts <verdicts@example.com>';
const PUBLIC_URL = 'https://verdicts.example.com';

let fake: FakeResend;
/** Called by the fake as each request completes (status 0: the socket was dropped). */
let onFakeRequest: ((entry: RequestLogEntry) => void) | null = null;

beforeAll(async () => {
  fake = await startFakeResend({ rateLimit: 1000, onRequest: (entry) => onFakeRequest?.(entry) });
});
beforeEach(() => {
  fake.reset();
  onFakeRequest = null;
});
afterAll(async () => {
  await fake.close();
  cleanup();
});

function env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    RESEND_API_KEY: 're_test_key',
    RESEND_BASE_URL: fake.url,
    DIGEST_FROM: FROM,
    DIGEST_SECRET: 'a-test-secret-that-signs-links-long-enough',
    DIGEST_PUBLIC_URL: PUBLIC_URL,
    DIGEST_POSTAL_ADDRESS: '1 Example Street, Springfield',
    ...overrides,
  };
}

function readers(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `reader${String(i + 1).padStart(3, '0')}@example.com`);
}

/** A temp state and a subscriber CSV of `addresses` (plus two who must get nothing). */
function setup(addresses: string[]): { state: string; csv: string; args: string[] } {
  const dir = tempDir();
  const state = path.join(dir, 'state');
  const csv = writeCsv(dir, [
    'email,name,categories,status',
    ...addresses.map((a, i) => `${a},Reader ${i + 1},,active`),
    'gone@example.com,Gone,,unsubscribed',
    'waiting@example.com,Waiting,,pending',
  ]);
  return { state, csv, args: ['send', '--data', fixture('mixed'), '--subscribers', csv, '--state', state, '--week', WEEK] };
}

function expectEachOnce(addresses: string[]): void {
  const wrong = addresses.map((a) => [a, fake.deliveredTo(a).length] as const).filter(([, n]) => n !== 1);
  expect(wrong, 'readers without exactly one email').toEqual([]);
  expect(fake.emails).toHaveLength(addresses.length);
  expect(fake.deliveredTo('gone@example.com')).toHaveLength(0);
  expect(fake.deliveredTo('waiting@example.com')).toHaveLength(0);
}

const batchRequests = () => fake.requests.filter((r) => r.path === '/emails/batch');

/**
 * A pass-through proxy in front of the fake that holds the first request back `firstDelayMs` before forwarding it,
 * as the first request to the real API pays for DNS and the TLS handshake.
 */
async function slowFirstRequestProxy(target: string, firstDelayMs: number): Promise<{ url: string; close: () => Promise<void> }> {
  let first = true;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const delay = first ? firstDelayMs : 0;
      first = false;
      setTimeout(() => {
        const upstream = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        });
        upstream.on('error', () => res.destroy());
        upstream.end(Buffer.concat(chunks));
      }, delay);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('send through Resend (fake server)', () => {
  it('250 readers: 3 batches with an Idempotency-Key each, one email per reader with the unsubscribe headers; a re-run sends nothing', async () => {
    const addresses = readers(250);
    const { state, args } = setup(addresses);
    const first = await runCli(args, { env: env() });
    expect(first.status, first.stdout + first.stderr).toBe(0);
    expect(traceNoise(first.stderr)).toEqual([]);

    const batches = batchRequests();
    expect(batches.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(fake.requests.filter((r) => r.path !== '/emails/batch')).toEqual([]);
    const keys = batches.map((r) => r.idempotencyKey);
    for (const key of keys) expect(key).toEqual(expect.any(String));
    expect(new Set(keys).size).toBe(3);
    const perKey = keys.map((k) => fake.emails.filter((e) => e.idempotencyKey === k).length);
    for (const n of perKey) expect(n).toBeLessThanOrEqual(100);
    expect(perKey.reduce((a, b) => a + b, 0)).toBe(250);

    expectEachOnce(addresses);
    for (const email of fake.emails) {
      expect(email.from).toBe(FROM);
      expect(email.to).toHaveLength(1);
      // The subject names the headline pick, never the ISO week.
      expect(email.subject).toMatch(/ beats |: a toss-up|^New this week: /);
      expect(email.subject).not.toMatch(/\d{4}-W\d\d/);
      expect(email.headers?.['List-Unsubscribe']).toMatch(/^<https:\/\/verdicts\.example\.com\/unsubscribe\?token=[^>\s]+>$/);
      expect(email.headers?.['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      expect(email.html).toContain(`${PUBLIC_URL}/issues/${WEEK}`);
      expect(email.text).toEqual(expect.any(String));
    }
    const tokens = new Set(fake.emails.map((e) => e.headers?.['List-Unsubscribe']));
    expect(tokens.size).toBe(250);
    // Through Resend, nothing goes to the local outbox.
    expect(filesUnder(path.join(state, 'outbox'))).toEqual([]);

    const requestsBefore = fake.requests.length;
    const again = await runCli(args, { env: env() });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already/i);
    expect(fake.requests).toHaveLength(requestsBefore);
    expectEachOnce(addresses);
  });

  it('missing DIGEST_FROM or DIGEST_SECRET is one clear error and no request reaches Resend', async () => {
    const [noFrom, noSecret] = await Promise.all([
      runCli(setup(readers(3)).args, { env: env({ DIGEST_FROM: undefined }) }),
      runCli(setup(readers(3)).args, { env: env({ DIGEST_SECRET: undefined }) }),
    ]);
    for (const [variable, result] of [
      ['DIGEST_FROM', noFrom],
      ['DIGEST_SECRET', noSecret],
    ] as const) {
      expect(result.status, variable).not.toBe(0);
      expect(result.status, variable).not.toBeNull();
      expect(stderrLines(result), result.stderr).toHaveLength(1);
      expect(result.stderr).toContain(variable);
      expect(traceNoise(result.stderr)).toEqual([]);
    }
    expect(fake.requests).toEqual([]);
    expect(fake.emails).toEqual([]);
  });

  it('a 500, then a 429 with retry-after: 1, are retried with the same key after the pause: everyone exactly once', async () => {
    const addresses = readers(30);
    const { args } = setup(addresses);
    fake.inject({ kind: 'status', status: 500 });
    fake.inject({ kind: 'rate-limit', retryAfterSeconds: 1 });
    const result = await runCli(args, { env: env() });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const batches = batchRequests();
    expect(batches.map((r) => r.status)).toEqual([500, 429, 200]);
    expect(batches[0]!.idempotencyKey).toEqual(expect.any(String));
    expect(new Set(batches.map((r) => r.idempotencyKey)).size).toBe(1);
    // retry-after: 1 is honoured.
    expect(batches[2]!.at - batches[1]!.at).toBeGreaterThanOrEqual(900);
    expectEachOnce(addresses);
  });

  it('a batch delivered but never acknowledged, then a crash: the next send resubmits it with the same key and payload, and nobody gets two', async () => {
    const addresses = readers(150);
    const { args } = setup(addresses);
    fake.inject({ kind: 'drop-after' });
    let killed = false;
    const crashed = await spawnCli(args, {
      env: env(),
      onSpawn: (child) => {
        // Kill the sender the moment the fake has delivered a batch and dropped the connection, as a crash would
        // (the client is then backing off before its retry).
        onFakeRequest = (entry) => {
          if (entry.status === 0 && !killed) killed = child.kill('SIGKILL');
        };
      },
    });
    expect(killed, crashed.stdout + crashed.stderr).toBe(true);
    expect(crashed.signal).toBe('SIGKILL');
    const droppedKey = fake.requests.find((r) => r.status === 0)?.idempotencyKey;
    expect(droppedKey).toEqual(expect.any(String));
    expect(fake.emails.length).toBeGreaterThan(0);

    const resumed = await runCli(args, { env: env() });
    expect(resumed.status, resumed.stdout + resumed.stderr).toBe(0);
    expect(traceNoise(resumed.stderr)).toEqual([]);
    // No 409: the resubmitted batch is byte for byte the request that was delivered.
    expect(batchRequests().filter((r) => r.status === 409)).toEqual([]);
    expect(batchRequests().filter((r) => r.idempotencyKey === droppedKey && r.status === 200).length).toBeGreaterThanOrEqual(1);
    expectEachOnce(addresses);

    const requestsBefore = fake.requests.length;
    const finished = await runCli(args, { env: env() });
    expect(finished.status).toBe(0);
    expect(finished.stdout).toMatch(/already/i);
    expect(fake.requests).toHaveLength(requestsBefore);
    expectEachOnce(addresses);
  });

  it('a quota error is not retried and is reported with a non-zero exit; the next send finishes, and skips a reader who unsubscribed in between', async () => {
    const addresses = readers(30);
    const { state, csv, args } = setup(addresses);
    fake.inject({ kind: 'quota' });
    const failed = await runCli(args, { env: env() });
    expect(failed.status).not.toBe(0);
    expect(failed.status).not.toBeNull();
    expect(traceNoise(failed.stdout + failed.stderr)).toEqual([]);
    expect(failed.stdout + failed.stderr).toMatch(/quota/i);
    expect(batchRequests().map((r) => r.status)).toEqual([429]);
    expect(fake.emails).toEqual([]);

    // Nothing was delivered (429 daily_quota_exceeded); meanwhile reader030 unsubscribes.
    const unsubscribe = await runCli(['subscribers', 'unsubscribe', 'reader030@example.com', '--state', state, '--subscribers', csv]);
    expect(unsubscribe.status, unsubscribe.stderr).toBe(0);

    const finished = await runCli(args, { env: env() });
    expect(finished.status, finished.stdout + finished.stderr).toBe(0);
    const stillSubscribed = addresses.slice(0, 29);
    const wrong = stillSubscribed.filter((a) => fake.deliveredTo(a).length !== 1);
    expect(wrong, 'readers without exactly one email').toEqual([]);
    // SPEC: unsubscribes "are honored by every later send".
    expect(fake.deliveredTo('reader030@example.com'), 'the resumed send mailed a reader who had unsubscribed').toHaveLength(0);
  });

  it('a fault-free send follows the ratelimit-* headers and draws no 429, even when the first request is slow to arrive', async () => {
    // 1 request per second; the first request takes 300 ms to reach the API (a TLS handshake would).
    const limited = await startFakeResend({ rateLimit: 1 });
    const proxy = await slowFirstRequestProxy(limited.url, 300);
    try {
      const addresses = readers(150);
      const { args } = setup(addresses);
      const result = await runCli(args, { env: env({ RESEND_BASE_URL: proxy.url }) });
      expect(result.status, result.stdout + result.stderr).toBe(0);
      const wrong = addresses.filter((a) => limited.deliveredTo(a).length !== 1);
      expect(wrong, 'readers without exactly one email').toEqual([]);
      expect(
        limited.requests.map((r) => r.status),
        'a response said "ratelimit-remaining: 0, ratelimit-reset: 1" and the next request came sooner',
      ).toEqual([200, 200]);
    } finally {
      await proxy.close();
      await limited.close();
    }
  });
});
