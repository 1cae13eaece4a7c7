// Webhook ingest against real `serve` processes: signed Resend events fired by autocannon, page requests meanwhile,
// then `stats` must count every reader exactly once. On files one serve; on a database one, or several sharing it
// with the events split between them. Imported by bench/run.ts.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { frozenDigest, frozenText } from '../src/state/issues.ts';
import { openFiles } from '../src/state/open.ts';
import { openDatabaseState } from '../src/state/pg/state.ts';
import type { State } from '../src/state/stores.ts';
import { sendLock } from '../src/state/submission.ts';
import { sampleIssue } from '../src/sample.ts';
import type { BenchDatabase, ServerCpu } from './database.ts';
import { cli, codeRoot, cpuOf, envOn, program, WEEK } from './processes.ts';

const KEY = Buffer.from('bench webhook signing key, 32 b!');

function catalog(dir: string, count: number): void {
  mkdirSync(path.join(dir, 'tools'), { recursive: true });
  for (let i = 0; i < count; i++) {
    writeFileSync(
      path.join(dir, 'tools', `tool-${i}.json`),
      JSON.stringify({
        slug: `tool-${i}`,
        name: `Tool ${i}`,
        tagline: 'A tool for the bench',
        category: `Category ${i % 25}`,
        description: 'What it does, in a sentence or two.',
        url: `https://example.com/${i}`,
        addedAt: '2026-11-10',
        pricing: { entry: 'free' },
        panel: [
          { persona: 'builder', score: 60 + (i % 40), verdict: 'ship', take: 'Works.' },
          { persona: 'skeptic', score: 40, verdict: 'skip', take: 'Unproven.' },
        ],
      }),
    );
  }
}

/** A send of the week to `readers` as the ledger keeps it once done: the issue frozen, every batch sent. */
async function recordSend(state: State, readers: string[]): Promise<void> {
  try {
    const issue = await sampleIssue('data', () => WEEK);
    await state.issues.write(issue);
    const batches = Array.from({ length: Math.ceil(readers.length / 100) }, (_, b) => ({
      batch: b + 1,
      key: `bench-${b + 1}`,
      recipients: readers.slice(b * 100, b * 100 + 100).map((email) => ({ email, name: null, categories: [] })),
    }));
    const ledger = state.ledger(WEEK);
    // As a send writes it: under the week's send lock.
    await state.locks.hold(sendLock(WEEK), async () => {
      await ledger.plan(batches, { at: new Date(), sha256: frozenDigest(frozenText(issue)), issue });
      for (const { batch } of batches) await ledger.sent(batch);
    });
  } finally {
    await state.close();
  }
}

/** A Resend event about one message, signed as Svix signs it. */
function signedEvent(id: string, type: string, to: string, emailId: string): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify({
    type,
    created_at: new Date().toISOString(),
    data: {
      created_at: new Date().toISOString(),
      email_id: emailId,
      from: 'Verdicts <v@example.com>',
      to: [to],
      subject: 'Weekly AI Tool Verdicts',
      tags: { week: WEEK },
    },
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac('sha256', KEY).update(`${id}.${timestamp}.${body}`).digest('base64');
  return {
    headers: { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': timestamp, 'svix-signature': `v1,${signature}` },
    body,
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

export interface IngestFigures {
  events: number;
  distinct: number;
  seconds: number;
  perSecond: number;
  /** Of every event's response, as autocannon timed it. */
  eventP50Ms: number;
  eventP99Ms: number;
  non2xx: number;
  serveCpuSeconds: number;
  /** The PostgreSQL server's CPU on the database while the events came; null on files. */
  serverCpu: ServerCpu | null;
  firstHomeMs: number;
  warmHomeMs: number;
  pages: number;
  pageP50Ms: number;
  pageP99Ms: number;
  pageMaxMs: number;
  statsExact: boolean;
  /** Deliveries recorded: lines of the webhook log, or rows of webhook_events. */
  recorded: number;
}

export interface IngestCase {
  readers: number;
  /** Redeliveries of events already sent. */
  duplicates: number;
  /** The catalog's size, which `GET /` reads. */
  tools: number;
  connections: number;
  /** null: files. */
  database?: BenchDatabase | null;
  /** `serve` processes on the one database, each given its share of the events and connections. */
  serves?: number;
}

/** A `serve` on a free port, once it says where it listens. */
async function startServe(args: string[], env: NodeJS.ProcessEnv) {
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [];
  const serve = spawn(process.execPath, [...profile, ...program(), 'serve', '--port', '0', ...args], {
    cwd: codeRoot(),
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  serve.stdout.on('data', (d) => (out += d));
  while (!/Listening on (http:\/\/\S+) /.test(out)) {
    if (serve.exitCode !== null) throw new Error(`serve exited: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { serve, url: /Listening on (http:\/\/\S+) /.exec(out)?.[1] ?? '' };
}

/** Fires 3 events (delivered, opened, clicked) per reader plus `duplicates` redeliveries at serve with a `tools`-tool catalog. */
export async function webhookIngest(c: IngestCase): Promise<IngestFigures> {
  const { database = null, serves = 1 } = c;
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-webhooks-'));
  const state = path.join(dir, 'state');
  const emails = Array.from({ length: c.readers }, (_, i) => `reader${i}@example.com`);
  catalog(path.join(dir, 'data'), c.tools);
  const env = envOn(database?.url ?? null, {
    DIGEST_SECRET: 'bench-secret-long-enough-to-sign-the-links',
    RESEND_WEBHOOK_SECRET: `whsec_${KEY.toString('base64')}`,
    RESEND_API_KEY: '',
  });
  const args = ['--data', path.join(dir, 'data'), '--state', state];
  if (!database) {
    writeFileSync(path.join(dir, 'subscribers.csv'), 'email\n');
    args.push('--subscribers', path.join(dir, 'subscribers.csv'));
  }
  const started: Awaited<ReturnType<typeof startServe>>[] = [];
  try {
    await recordSend(database ? await openDatabaseState(database.url, state, 'DATABASE_URL', 'write') : openFiles(state), emails);
    for (let s = 0; s < serves; s++) started.push(await startServe(args, env));
    const timeHome = async (url: string) => {
      const begun = performance.now();
      const response = await fetch(`${url}/`);
      await response.text();
      if (response.status !== 200) throw new Error(`GET / answered ${response.status}`);
      return performance.now() - begun;
    };
    const urls = started.map((s) => s.url);
    const [firstHomeMs = 0] = await Promise.all(urls.map(timeHome));
    const warm: number[] = [];
    for (let i = 0; i < 20; i++) warm.push(await timeHome(urls[i % urls.length] ?? ''));

    const events: { headers: Record<string, string>; body: string }[] = [];
    for (const [t, type] of ['email.delivered', 'email.opened', 'email.clicked'].entries()) {
      for (const [i, to] of emails.entries()) events.push(signedEvent(`msg_${t}_${i}`, type, to, `email-${i}`));
    }
    const distinct = events.length;
    for (let i = 0; i < c.duplicates; i++) {
      const again = events[(i * 7919) % distinct];
      if (again) events.push(again);
    }

    let running = true;
    const pageTimes: number[] = [];
    const pages = (async () => {
      for (let i = 0; running; i++) pageTimes.push(await timeHome(urls[i % urls.length] ?? ''));
    })();
    // Awaited once the events are in; a serve that dies meanwhile must not end the bench before then.
    pages.catch(() => undefined);
    const latencies: number[] = [];
    const cpuBefore = started.map((s) => cpuOf(s.serve.pid));
    const watch = database?.watchCpu();
    const begun = performance.now();
    let lastAnswer = begun;
    // Serve s gets every serves-th event, so a redelivery may reach another serve than the first delivery did.
    const results = await Promise.all(
      urls.map((url, s) => {
        const share = events.filter((_, i) => i % serves === s);
        let next = 0;
        return new Promise<autocannon.Result>((resolve, reject) => {
          const options: autocannon.Options = {
            url,
            connections: Math.max(1, Math.round(c.connections / serves)),
            amount: share.length,
            // autocannon sees that the amount is done only at its next sample: at the default 1 s, the seconds came out whole.
            sampleInt: 20,
            requests: [
              {
                method: 'POST',
                path: '/webhooks/resend',
                setupRequest: (request) => {
                  const event = share[next++ % share.length];
                  return event ? { ...request, headers: event.headers, body: event.body } : request;
                },
              },
            ],
          };
          const cannon = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
          cannon.on('response', (_client, _status, _bytes, ms) => {
            latencies.push(ms);
            lastAnswer = performance.now();
          });
        });
      }),
    );
    const seconds = (lastAnswer - begun) / 1000;
    const serveCpuSeconds = started.reduce((sum, s, i) => sum + cpuOf(s.serve.pid) - (cpuBefore[i] ?? 0), 0);
    const serverCpu = (await watch?.()) ?? null;
    running = false;
    await pages;

    const stats = JSON.parse(cli(['stats', '--week', WEEK, '--json', ...args], env)) as Record<string, number>;
    const statsExact = [stats.sent, stats.delivered, stats.opened, stats.clicked].every((count) => count === c.readers);
    const sortedPages = [...pageTimes].sort((a, b) => a - b);
    latencies.sort((a, b) => a - b);
    return {
      events: events.length,
      distinct,
      seconds,
      perSecond: Math.round(events.length / seconds),
      eventP50Ms: percentile(latencies, 50),
      eventP99Ms: percentile(latencies, 99),
      non2xx: results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
      serveCpuSeconds,
      serverCpu,
      firstHomeMs,
      warmHomeMs: [...warm].sort((a, b) => a - b)[10] ?? 0,
      pages: pageTimes.length,
      pageP50Ms: percentile(sortedPages, 50),
      pageP99Ms: percentile(sortedPages, 99),
      pageMaxMs: sortedPages.at(-1) ?? 0,
      statsExact,
      recorded: database ? await deliveriesIn(database.url) : lines(path.join(state, 'webhooks', 'resend.jsonl')),
    };
  } finally {
    // A serve that died already (its error is on stderr above) has no exit left to wait for.
    const alive = started.filter(({ serve }) => serve.exitCode === null && serve.signalCode === null);
    for (const { serve } of alive) serve.kill('SIGINT');
    await Promise.all(alive.map(({ serve }) => once(serve, 'exit').catch(() => undefined)));
    rmSync(dir, { recursive: true, force: true });
  }
}

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').length;

async function deliveriesIn(url: string): Promise<number> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<{ count: number }[]>`SELECT count(*)::int AS count FROM webhook_events`;
    return row?.count ?? 0;
  } finally {
    await sql.end();
  }
}
