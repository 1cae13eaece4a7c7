/**
 * `serve` processes as operators run them on several hosts: DATABASE_URL set, each with a state folder of its own for
 * its local outbox. Two share webhooks and a signup; one keeps running while its database goes away and comes back
 * (through a proxy, helpers/pg-proxy.ts: the test server is never stopped).
 */
import path from 'node:path';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { linkTo, readEml } from './browser/support.ts';
import { cleanup, tempDir } from './helpers/cli.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './helpers/pg.ts';
import { startDatabaseProxy } from './helpers/pg-proxy.ts';
import { type ServeProcess, startServe } from './helpers/serve.ts';
import { signedPost, WEBHOOK_SECRET } from './helpers/svix.ts';

/** Polls until `probe` gives something truthy; the test's own timeout is the only deadline. */
async function until<T>(probe: () => T | Promise<T>): Promise<NonNullable<T>> {
  for (;;) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const form = (fields: Record<string, string>): RequestInit => ({ method: 'POST', body: new URLSearchParams(fields) });
const bounced = (email: string) => JSON.stringify({ type: 'email.bounced', data: { to: [email] } });

describe.skipIf(!TEST_DATABASE_URL)('serve processes on PostgreSQL', () => {
  let database: TestDatabase;
  let sql: postgres.Sql;
  let running: ServeProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    sql = postgres(database.url, { max: 1, onnotice: () => {} });
  });
  afterEach(async () => {
    await Promise.all(running.map((serve) => serve.stop()));
    running = [];
  });
  afterAll(async () => {
    await sql?.end();
    await database?.drop();
    cleanup();
  });

  /** A `serve` with the database at `url` and a state folder of its own; returns it with that folder. */
  async function serve(url = database.url): Promise<ServeProcess & { state: string }> {
    const state = path.join(tempDir('digest-serve-pg-'), 'state');
    const started = await startServe(['--state', state], {
      DATABASE_URL: url,
      DIGEST_SECRET: 'serve-postgres-secret-long-enough-to-sign-links',
      DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
      RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET,
      RESEND_API_KEY: undefined,
    });
    running.push(started);
    return { ...started, state };
  }
  const count = async (query: string, value: string) => (await sql.unsafe<{ n: number }[]>(query, [value]))[0]?.n;

  it('two of them, started at once: a webhook to both at the same moment is recorded once, a signup on one is confirmed on the other', async () => {
    const [a, b] = await Promise.all([serve(), serve()]);
    const body = bounced('bounced@example.com');
    const answers = await Promise.all([a, b].map((s) => fetch(`${s.url}/webhooks/resend`, signedPost(body, 'msg_processes'))));
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    expect(await count('SELECT count(*)::int AS n FROM webhook_events WHERE svix_id = $1', 'msg_processes')).toBe(1);
    expect(
      await count(`SELECT count(*)::int AS n FROM subscriber_events WHERE type = 'bounce' AND email = $1`, 'bounced@example.com'),
    ).toBe(1);

    expect((await fetch(`${a.url}/subscribe`, form({ email: 'nia@example.com' }))).status).toBe(200);
    expect((await fetch(`${b.url}/subscribe`, form({ email: 'nia@example.com' }))).status).toBe(429);
    // Whichever server took the signup from the queue wrote its email to its own outbox.
    const eml = await until(() =>
      Promise.any([a, b].map((s) => readEml(path.join(s.state, 'outbox', 'confirmations', 'nia@example.com.eml')))).catch(() => null),
    );
    const token = new URL(linkTo(eml.body, '/confirm')).searchParams.get('token') ?? '';
    const confirmed = await fetch(`${b.url}/confirm`, form({ token }));
    expect([confirmed.status, await confirmed.text()]).toEqual([200, expect.stringContaining('You are in')]);
    expect(await count(`SELECT count(*)::int AS n FROM subscriber_events WHERE type = 'opt-in' AND email = $1`, 'nia@example.com')).toBe(1);
  });

  it('one that keeps running while its database restarts: 503 while it is away, then it serves again, with no restart', async () => {
    const proxy = await startDatabaseProxy(database.url);
    try {
      const server = await serve(proxy.url);
      // A request that gets no answer says what serve printed: a reset connection once hid whether serve had ended.
      const fetch = (url: string, init?: RequestInit) =>
        globalThis.fetch(url, init).catch((error: Error) => {
          throw new Error(`${error.message} (${error.cause}); serve exited ${server.child.exitCode} and said:\n${server.output()}`);
        });
      expect((await fetch(`${server.url}/`)).status).toBe(200);
      proxy.cut();
      expect((await fetch(`${server.url}/`)).status).toBe(503);
      expect((await fetch(`${server.url}/webhooks/resend`, signedPost(bounced('away@example.com'), 'msg_away'))).status).toBe(503);
      proxy.restore();
      expect((await fetch(`${server.url}/`)).status).toBe(200);
      const retried = await fetch(`${server.url}/webhooks/resend`, signedPost(bounced('away@example.com'), 'msg_away'));
      expect([retried.status, await retried.text()]).toEqual([200, 'Recorded.']);
      expect(server.child.exitCode).toBeNull();
      expect(server.output()).toMatch(/GET \/ answered 503: The PostgreSQL database .* cannot be used right now: /);
    } finally {
      await proxy.close();
    }
  });
});
