/**
 * Servers sharing one PostgreSQL database, as instances on several hosts do: what one records, the others see and
 * honour, a webhook or a signup is acted on once, and a database that goes away and comes back costs a few 5xx answers,
 * never a crash or a restart. The database goes away through a proxy (helpers/pg-proxy.ts), never by stopping it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type Config, resolveConfig } from '../src/config.ts';
import type { Transport } from '../src/delivery/transport.ts';
import { type RunningServer, startServer } from '../src/server/serve.ts';
import { migrate } from '../src/state/pg/migrate.ts';
import { openPostgres, type PostgresState } from '../src/state/pg/state.ts';
import type { ListReader } from '../src/state/stores.ts';
import { signToken } from '../src/subscribers/tokens.ts';
import { createTestDatabase, TEST_DATABASE_URL, type TestDatabase } from './helpers/pg.ts';
import { startDatabaseProxy } from './helpers/pg-proxy.ts';
import { signedPost, WEBHOOK_SECRET } from './helpers/svix.ts';

const SECRET = 'a-test-secret-that-is-long-enough-1234';

interface Instance {
  url: string;
  state: PostgresState;
  /** The list as this server reads it, kept current as it goes. */
  list: ListReader;
  server: RunningServer;
}

/** Polls until `probe` gives something truthy; the test's own timeout is the only deadline. */
async function until<T>(probe: () => T | Promise<T>): Promise<NonNullable<T>> {
  for (;;) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const form = (fields: Record<string, string>): RequestInit => ({ method: 'POST', body: new URLSearchParams(fields) });
const bouncedBody = (email: string) => JSON.stringify({ type: 'email.bounced', data: { to: [email], tags: { week: '2026-W46' } } });

describe.skipIf(!TEST_DATABASE_URL)('serve on PostgreSQL', () => {
  let database: TestDatabase;
  let dir: string;
  let config: Config;
  let instances: Instance[] = [];
  /** Every email any server's transport took, with its Idempotency-Key. */
  const sent: { to: string; key: string; text: string }[] = [];
  const transport: Transport = {
    description: 'memory',
    parallelism: 1,
    async sendBatch(emails, key) {
      for (const email of emails) sent.push({ to: email.to, key, text: email.text });
      return { kind: 'sent', rejected: [] };
    },
  };
  let errors: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = await mkdtemp(path.join(tmpdir(), 'serve-postgres-'));
    config = resolveConfig(
      { data: 'data', subscribers: path.join(dir, 'subscribers.csv'), state: dir },
      { DIGEST_SECRET: SECRET, DIGEST_PUBLIC_URL: 'https://verdicts.example.com', RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET },
    );
    const state = openPostgres(database.url, dir);
    await migrate(state.database);
    await state.close();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    for (const { server, state } of instances) {
      await server.close();
      await state.close();
    }
    instances = [];
  });
  afterAll(async () => {
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  /** A server of its own on a port of its own, its state a pool of its own on the database at `url`. */
  async function serve(url = database.url): Promise<Instance> {
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void errors.push(args.join(' ')));
    const state = openPostgres(url, dir);
    const list = state.list();
    const server = await startServer(config, 0, { state, subscribers: list, transport, now: () => new Date() });
    const instance = { url: server.url, state, list, server };
    instances.push(instance);
    return instance;
  }
  const count = async (state: PostgresState, query: string, value: string) => {
    const [row] = await state.database.unsafe<{ count: number }[]>(query, [value]);
    return row?.count;
  };
  const bounces = (state: PostgresState, email: string) =>
    count(state, `SELECT count(*)::int AS count FROM subscriber_events WHERE type = 'bounce' AND email = $1`, email);
  const signups = (state: PostgresState, email: string) =>
    count(state, 'SELECT count(*)::int AS count FROM signups WHERE email = $1', email);
  const statusOn = async (instance: Instance, email: string) => (await instance.list.current()).list.get(email)?.status;

  it('records a webhook delivered to two servers at the same moment once, and answers both 2xx', async () => {
    const [a, b] = [await serve(), await serve()];
    for (const n of [1, 2, 3, 4, 5]) {
      const body = bouncedBody(`bounced${n}@example.com`);
      const responses = await Promise.all([a, b].map((s) => fetch(`${s.url}/webhooks/resend`, signedPost(body, `msg_both_${n}`))));
      expect(responses.map((r) => r.status)).toEqual([200, 200]);
      expect((await Promise.all(responses.map((r) => r.text()))).sort()).toEqual(['Already recorded.', 'Recorded.']);
      expect(await bounces(a.state, `bounced${n}@example.com`)).toBe(1);
      expect(await statusOn(b, `bounced${n}@example.com`)).toBe('bounced');
    }
    const [row] = await a.state.database<
      { count: number }[]
    >`SELECT count(*)::int AS count FROM webhook_events WHERE svix_id LIKE 'msg_both_%'`;
    expect(row?.count).toBe(5);
  });

  it('takes a signup on one server and its confirmation on the other; the address limit holds on both', async () => {
    const [a, b] = [await serve(), await serve()];
    const answer = await fetch(`${a.url}/subscribe`, form({ email: 'nia@example.com', name: 'Nia' }));
    expect([answer.status, await answer.text()]).toEqual([200, expect.stringContaining('Check your inbox')]);
    expect((await fetch(`${b.url}/subscribe`, form({ email: 'NIA@example.com' }))).status).toBe(429);
    const mail = await until(() => sent.find((m) => m.to.includes('nia@example.com')));
    const token = /\/confirm\?token=([^\s"&<]+)/.exec(mail.text)?.[1] ?? '';
    const confirmed = await fetch(`${b.url}/confirm`, form({ token }));
    expect([confirmed.status, await confirmed.text()]).toEqual([200, expect.stringContaining('You are in')]);
    expect(await statusOn(a, 'nia@example.com')).toBe('active');
    expect(await signups(a.state, 'nia@example.com')).toBe(1);
  });

  it('sends each waiting signup its confirmation once when two servers work the queue', async () => {
    const seed = openPostgres(database.url, dir);
    const emails = Array.from({ length: 8 }, (_, n) => `queued${n}@example.com`);
    for (const [n, email] of emails.entries()) {
      await seed.signups.add({ type: 'signup', id: `queued-${n}`, email, name: null, categories: [], at: new Date().toISOString() }, 0);
    }
    await seed.close();
    const [a] = [await serve(), await serve()];
    await until(
      async () =>
        (await count(a.state, `SELECT count(*)::int AS count FROM signups WHERE state <> 'done' AND id LIKE $1`, 'queued-%')) === 0,
    );
    expect(
      sent
        .filter((m) => m.to.includes('queued'))
        .map((m) => m.key)
        .sort(),
    ).toEqual(emails.map((_, n) => `confirm-queued-${n}`).sort());
  });

  it("honours an unsubscribe on one server in the other's list", async () => {
    const [a, b] = [await serve(), await serve()];
    const at = new Date().toISOString();
    await a.state.subscribers.record({
      type: 'add',
      email: 'ada@example.com',
      name: 'Ada',
      categories: [],
      status: 'active',
      at,
      source: 'test',
    });
    expect(await statusOn(b, 'ada@example.com')).toBe('active');
    const token = signToken(SECRET, 'unsubscribe', 'ada@example.com');
    expect((await fetch(`${a.url}/unsubscribe`, form({ token }))).status).toBe(200);
    expect(await statusOn(b, 'ada@example.com')).toBe('unsubscribed');
  });

  describe('with the database going away and coming back', () => {
    it('answers 503 while it is away (webhooks a 5xx, the signup form too, having kept nothing), then works again', async () => {
      const proxy = await startDatabaseProxy(database.url);
      try {
        errors = [];
        const p = await serve(proxy.url);
        expect((await fetch(`${p.url}/`)).status).toBe(200);
        proxy.cut();
        const home = await fetch(`${p.url}/`);
        expect([home.status, await home.text()]).toEqual([503, expect.stringContaining('The site cannot reach its records right now.')]);
        expect((await fetch(`${p.url}/webhooks/resend`, signedPost(bouncedBody('away@example.com'), 'msg_away'))).status).toBe(503);
        expect((await fetch(`${p.url}/subscribe`, form({ email: 'away@example.com' }))).status).toBe(503);
        // A page that needs no database still answers.
        expect((await fetch(`${p.url}/unsubscribe?token=${signToken(SECRET, 'unsubscribe', 'away@example.com')}`)).status).toBe(200);
        expect(errors).toContainEqual(expect.stringMatching(/^GET \/ answered 503: The PostgreSQL database .* cannot be used right now: /));

        proxy.restore();
        expect((await fetch(`${p.url}/`)).status).toBe(200);
        const retried = await fetch(`${p.url}/webhooks/resend`, signedPost(bouncedBody('away@example.com'), 'msg_away'));
        expect([retried.status, await retried.text()]).toEqual([200, 'Recorded.']);
        expect((await fetch(`${p.url}/subscribe`, form({ email: 'away@example.com' }))).status).toBe(200);
        expect([await bounces(p.state, 'away@example.com'), await signups(p.state, 'away@example.com')]).toEqual([1, 1]);
      } finally {
        await proxy.close();
      }
    });

    it.each([
      ['the network drops its connection', 'cut'],
      ['the database restarts under it (its connection terminated)', 'terminate'],
    ] as const)(
      'answers 503 to a webhook whose transaction stops halfway when %s, keeps nothing of it, records its retry once',
      async (_, how) => {
        const proxy = await startDatabaseProxy(database.url);
        const direct = openPostgres(database.url, dir);
        try {
          const p = await serve(proxy.url);
          // Every append of subscriber events waits for this lock: the webhook's transaction stops halfway, its row written.
          let release!: () => void;
          const held = new Promise<void>((resolve) => {
            void direct.database.begin(async (tx) => {
              await tx`SELECT pg_advisory_xact_lock(hashtextextended('digest subscriber events', 0))`;
              resolve();
              await new Promise<void>((done) => (release = done));
            });
          });
          await held;
          const delivery = fetch(`${p.url}/webhooks/resend`, signedPost(bouncedBody(`halfway-${how}@example.com`), `msg_halfway_${how}`));
          await until(async () => {
            const [row] = await direct.database<{ waiting: number }[]>`
            SELECT count(*)::int AS waiting FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE NOT l.granted AND a.datname = current_database()`;
            return row?.waiting === 1;
          });
          if (how === 'cut') proxy.cut();
          else {
            await direct.database`SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND NOT l.granted AND a.datname = current_database()`;
          }
          expect((await delivery).status).toBe(503);
          release();
          proxy.restore();
          const retried = await fetch(
            `${p.url}/webhooks/resend`,
            signedPost(bouncedBody(`halfway-${how}@example.com`), `msg_halfway_${how}`),
          );
          expect([retried.status, await retried.text()]).toEqual([200, 'Recorded.']);
          expect(await bounces(direct, `halfway-${how}@example.com`)).toBe(1);
        } finally {
          await proxy.close();
          await direct.close();
        }
      },
    );
  });
});
