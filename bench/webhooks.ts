// Webhook ingest against a real `serve` process: signed Resend events fired by autocannon, page requests meanwhile,
// then `stats` must count every reader exactly once. Imported by bench/run.ts.
import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';

const TSX = import.meta.resolve('tsx');
const REPO = path.resolve(import.meta.dirname, '..');
const WEEK = '2026-W46';
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

function ledger(file: string, readers: string[]): void {
  const lines: string[] = [];
  for (let b = 0; b * 100 < readers.length; b++) {
    lines.push(
      JSON.stringify({
        state: 'pending',
        batch: b + 1,
        key: `bench-${b + 1}`,
        recipients: readers.slice(b * 100, b * 100 + 100).map((email) => ({ email, name: null, categories: [] })),
      }),
    );
    lines.push(JSON.stringify({ state: 'sent', batch: b + 1, rejected: [] }));
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
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

const cpuOf = (pid: number | undefined) => {
  const [, fields = ''] = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ');
  return (
    fields
      .split(' ')
      .slice(11, 13)
      .reduce((a, b) => a + Number(b), 0) / 100
  );
};
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;

export interface IngestFigures {
  events: number;
  distinct: number;
  seconds: number;
  perSecond: number;
  non2xx: number;
  serveCpuSeconds: number;
  firstHomeMs: number;
  warmHomeMs: number;
  pages: number;
  pageP50Ms: number;
  pageP99Ms: number;
  pageMaxMs: number;
  statsExact: boolean;
  logLines: number;
}

/** Fires 3 events (delivered, opened, clicked) per reader plus `duplicates` redeliveries at a serve with a `tools`-tool catalog. */
export async function webhookIngest(readers: number, duplicates: number, tools: number, connections: number): Promise<IngestFigures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-webhooks-'));
  const state = path.join(dir, 'state');
  const emails = Array.from({ length: readers }, (_, i) => `reader${i}@example.com`);
  catalog(path.join(dir, 'data'), tools);
  ledger(path.join(state, 'ledger', `${WEEK}.jsonl`), emails);
  writeFileSync(path.join(dir, 'subscribers.csv'), 'email\n');
  const args = ['--data', path.join(dir, 'data'), '--state', state, '--subscribers', path.join(dir, 'subscribers.csv')];
  const env = {
    ...process.env,
    DIGEST_SECRET: 'bench-secret-long-enough-to-sign-the-links',
    RESEND_WEBHOOK_SECRET: `whsec_${KEY.toString('base64')}`,
    RESEND_API_KEY: '',
  };
  const serve = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : []),
      '--import',
      TSX,
      path.join(REPO, 'src/cli/main.ts'),
      'serve',
      '--port',
      '0',
      ...args,
    ],
    { cwd: REPO, env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    let out = '';
    serve.stdout.on('data', (d) => (out += d));
    while (!/Listening on (http:\/\/\S+) /.test(out)) {
      if (serve.exitCode !== null) throw new Error(`serve exited: ${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const url = /Listening on (http:\/\/\S+) /.exec(out)?.[1] ?? '';
    const timeHome = async () => {
      const started = performance.now();
      const response = await fetch(`${url}/`);
      await response.text();
      if (response.status !== 200) throw new Error(`GET / answered ${response.status}`);
      return performance.now() - started;
    };
    const firstHomeMs = await timeHome();
    const warm: number[] = [];
    for (let i = 0; i < 20; i++) warm.push(await timeHome());

    const events: { headers: Record<string, string>; body: string }[] = [];
    for (const [t, type] of ['email.delivered', 'email.opened', 'email.clicked'].entries()) {
      for (const [i, to] of emails.entries()) events.push(signedEvent(`msg_${t}_${i}`, type, to, `email-${i}`));
    }
    const distinct = events.length;
    for (let i = 0; i < duplicates; i++) {
      const again = events[(i * 7919) % distinct];
      if (again) events.push(again);
    }

    let next = 0;
    let running = true;
    const pageTimes: number[] = [];
    const pages = (async () => {
      while (running) pageTimes.push(await timeHome());
    })();
    const cpuBefore = cpuOf(serve.pid);
    const started = performance.now();
    const result = await autocannon({
      url,
      connections,
      amount: events.length,
      requests: [
        {
          method: 'POST',
          path: '/webhooks/resend',
          setupRequest: (request) => {
            const event = events[next++ % events.length];
            return event ? { ...request, headers: event.headers, body: event.body } : request;
          },
        },
      ],
    });
    const seconds = (performance.now() - started) / 1000;
    const serveCpuSeconds = cpuOf(serve.pid) - cpuBefore;
    running = false;
    await pages;

    const stats = JSON.parse(
      execFileSync(process.execPath, ['--import', TSX, path.join(REPO, 'src/cli/main.ts'), 'stats', '--week', WEEK, '--json', ...args], {
        cwd: REPO,
        env,
        encoding: 'utf8',
      }),
    ) as Record<string, number>;
    const statsExact = stats.sent === readers && stats.delivered === readers && stats.opened === readers && stats.clicked === readers;
    const logLines = readFileSync(path.join(state, 'webhooks', 'resend.jsonl'), 'utf8')
      .trim()
      .split('\n').length;
    const sortedPages = [...pageTimes].sort((a, b) => a - b);
    return {
      events: events.length,
      distinct,
      seconds,
      perSecond: Math.round(events.length / seconds),
      non2xx: result.non2xx + result.errors + result.timeouts,
      serveCpuSeconds,
      firstHomeMs,
      warmHomeMs: [...warm].sort((a, b) => a - b)[10] ?? 0,
      pages: pageTimes.length,
      pageP50Ms: percentile(sortedPages, 50),
      pageP99Ms: percentile(sortedPages, 99),
      pageMaxMs: sortedPages.at(-1) ?? 0,
      statsExact,
      logLines,
    };
  } finally {
    serve.kill('SIGINT');
    await once(serve, 'exit').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
