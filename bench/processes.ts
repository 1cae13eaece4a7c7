// The CLI and the fake Resend as processes of their own, timed as an operator would see them. Imported by bench/*.ts.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { cpSync, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchDatabase, ServerCpu } from './database.ts';

export const TSX = import.meta.resolve('tsx');
export const REPO = path.resolve(import.meta.dirname, '..');
export const WEEK = '2026-W46';

let code = REPO;
/** The checkout whose CLI a case runs: this one, or the older code a side-by-side run compares it with (`--against DIR`). */
export const codeRoot = () => code;
/** Runs `cases` with the CLI of the checkout in `dir` (bench, fake Resend and sample data stay this one's). */
export async function withCode<T>(dir: string, cases: () => Promise<T>): Promise<T> {
  const before = code;
  code = dir;
  try {
    return await cases();
  } finally {
    code = before;
  }
}

/** The node arguments that start the CLI of the checkout measured, as npm runs it: bundled, where it has src/cli/launch.mjs. */
export const program = (): string[] =>
  existsSync(path.join(code, 'src/cli/launch.mjs'))
    ? [path.join(code, 'src/cli/launch.mjs')]
    : ['--import', TSX, path.join(code, 'src/cli/main.ts')];

/** A process's CPU time so far, from /proc: user and system clock ticks (100 a second). */
export function cpuOf(pid: number | undefined): number {
  const [, fields = ''] = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ');
  return (
    fields
      .split(' ')
      .slice(11, 13)
      .reduce((a, b) => a + Number(b), 0) / 100
  );
}

/** The environment of a command on `database` (a PostgreSQL URL), or on files when null, whatever the bench's own. */
export const envOn = (database: string | null, more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  DATABASE_URL: database ?? '',
  ...more,
});

/** Runs the CLI, as `npm run digest` does, to prepare a case; its output is returned, a failure thrown. */
export const cli = (args: string[], env: NodeJS.ProcessEnv): string =>
  execFileSync(process.execPath, [...program(), ...args], { cwd: code, env, encoding: 'utf8' });

export interface Timed {
  seconds: number;
  cpuSeconds: number;
  peakMb: number;
  status: number | null;
  output: string;
}

/** Runs the CLI with `args` under /usr/bin/time for its wall time, CPU time and peak memory. */
export async function timed(args: string[], env: NodeJS.ProcessEnv): Promise<Timed> {
  const started = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'PEAK_KB=%M CPU=%U+%S', process.execPath, ...program(), ...args], {
    cwd: code,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const [status] = await once(child, 'close');
  const peak = Number(/PEAK_KB=(\d+)/.exec(output)?.[1] ?? 0);
  const cpu = /CPU=([\d.]+)\+([\d.]+)/.exec(output);
  return {
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: Number(cpu?.[1] ?? 0) + Number(cpu?.[2] ?? 0),
    peakMb: Math.round(peak / 1024),
    status,
    output,
  };
}

/** The last lines of a command that failed, for the table's reader. */
export const tail = (run: Timed, lines = 3) => run.output.trim().split('\n').slice(-lines).join(' | ');

/** The fake Resend in its own process, as the real API would be. */
export async function fakeResend(rateLimit: number, port: number) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      TSX,
      path.join(REPO, 'test/fake-resend.ts'),
      '--port',
      String(port),
      '--rate-limit',
      String(rateLimit),
      '--latency',
      '15',
      '--envelopes-only',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  while (!log.includes('listening')) await new Promise((r) => setTimeout(r, 50));
  return {
    url: `http://127.0.0.1:${port}`,
    counts: () => ({
      requests: (log.match(/POST \/emails/g) ?? []).length,
      rateLimited: (log.match(/ 429 /g) ?? []).length,
      fakeCpuSeconds: cpuOf(child.pid),
    }),
    stop: () => child.kill(),
  };
}

export function subscriberCsv(file: string, count: number): Promise<void> {
  const out = createWriteStream(file);
  out.write('email,name,categories,status\n');
  for (let i = 0; i < count; i++)
    out.write(`reader${i}@example.com,Reader ${i},${i % 4 === 0 ? 'Design' : ''},${i % 50 === 0 ? 'unsubscribed' : ''}\n`);
  out.end();
  return once(out, 'finish').then(() => undefined);
}

/**
 * `send` of `readers` readers to the fake Resend, start to finish: on files the list is the CSV in place; on a
 * `database` it is imported first (not timed), as an operator loads a list into one.
 */
export async function send(readers: number, rateLimit: number, port: number, database: BenchDatabase | null = null) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-send-'));
  const fake = await fakeResend(rateLimit, port);
  try {
    cpSync(path.join(REPO, 'data'), path.join(dir, 'data'), { recursive: true });
    const list = path.join(dir, 'subscribers.csv');
    await subscriberCsv(list, readers);
    const env = envOn(database?.url ?? null, {
      RESEND_API_KEY: 're_test_key',
      RESEND_BASE_URL: fake.url,
      DIGEST_FROM: 'V <v@example.com>',
      DIGEST_SECRET: 'bench-secret-long-enough-to-sign-the-links',
      DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
      DIGEST_POSTAL_ADDRESS: '1 Example Street, Springfield',
    });
    const where = ['--data', path.join(dir, 'data'), '--state', path.join(dir, 'state')];
    if (database) cli(['subscribers', 'import', list, ...where], env);
    const watch = database?.watchCpu();
    const run = await timed(['send', '--week', WEEK, ...where, ...(database ? [] : ['--subscribers', list])], env);
    const serverCpu: ServerCpu | null = (await watch?.()) ?? null;
    const sent = Number(/(\d+) sent now/.exec(run.output)?.[1] ?? 0);
    // The send's own progress lines give the rate while sending, without the process's start-up.
    const sendingRate = Number([...run.output.matchAll(/, (\d+)\/s, ETA/g)].at(-1)?.[1] ?? 0);
    return { ...run, sent, sendingRate, serverCpu, ...fake.counts() };
  } finally {
    fake.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
