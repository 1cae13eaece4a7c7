// `npm run bench`: side-by-side figures from one run on this machine. Not part of CI.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { deliveryOnBackends, listOnBackends } from './backends.ts';
import { BENCH_DATABASE_URL, serverCpuText, withBenchDatabase } from './database.ts';
import { compareParsers } from './parsers.ts';
import { cli, codeRoot, envOn, REPO, send, subscriberCsv, TSX, tail, timed, withCode } from './processes.ts';
import { realisticCsv } from './realistic-list.ts';
import { type IngestCase, webhookIngest } from './webhooks.ts';

const quick = process.argv.includes('--quick');
/** `--only render|pairing|list|parsers|delivery|webhooks` runs those sections (several: separated by commas). */
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]?.split(',') : undefined;
const section = (name: string) => only === undefined || only.includes(name);
/** With a database (`--database URL` or BENCH_DATABASE_URL), the list, delivery and webhooks sections compare the backends. */
const database = BENCH_DATABASE_URL;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');
/** `--runs N`: the list, parser, delivery and webhook sections N times over, taking turns; `--parsers a,b` only those parsers. */
const runs = process.argv.includes('--runs') ? Number(process.argv[process.argv.indexOf('--runs') + 1]) : 1;
/**
 * `--against DIR`: the list, delivery and webhook cases also run the CLI of the checkout in DIR (older code, such as
 * `git worktree add --detach ../old <commit>`), each case with both in turn, so a noisy machine weighs on both alike.
 */
const against = process.argv.includes('--against') ? process.argv[process.argv.indexOf('--against') + 1] : undefined;
const CODES: { label: string; dir: string }[] = against
  ? [
      { label: 'this', dir: REPO },
      { label: `old (${path.basename(path.resolve(against))})`, dir: path.resolve(against) },
    ]
  : [{ label: '', dir: REPO }];
/** Each code in turn, the first one first on odd runs: neither always goes while the other's garbage is still on the disk. */
async function eachCode<T>(run: number, cases: (label: string) => Promise<T>): Promise<T[]> {
  const order = run % 2 === 0 ? CODES : [...CODES].reverse();
  const results: T[] = [];
  for (const { label, dir } of order) results.push(await withCode(dir, () => cases(label)));
  return results;
}
/** `--readers N`: only the delivery cases of N readers (the 100,000-reader send takes minutes). */
const onlyReaders = process.argv.includes('--readers') ? Number(process.argv[process.argv.indexOf('--readers') + 1]) : undefined;
/** The code column of a row, when a side-by-side run has one. */
const codeCell = (label: string) => (against ? `${label} | ` : '');
const codeHead = against ? 'code | ' : '';
const codeRule = against ? '--- | ' : '';

function runCase(name: string, n: number, ...more: number[]): { seconds: number; peakMb: number; [key: string]: number } {
  const out = execFileSync(
    process.execPath,
    ['--import', TSX, path.join(codeRoot(), 'bench/cases.ts'), name, String(n), ...more.map(String)],
    {
      encoding: 'utf8',
      cwd: codeRoot(),
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1) ?? '');
}

const lines: string[] = [];
const say = (line = '') => {
  console.log(line);
  lines.push(line);
};

say(`Machine: ${cpus().length} cores (${cpus()[0]?.model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
say(`Load average at the start: ${load()}.`);
say('');
if (section('render')) {
  say('Rendering: naive (React Email once per subscriber) against the pipeline (once per variant, then filled in)');
  const naiveSample = quick ? 100 : 500;
  const naive = runCase('naive', naiveSample);
  const naivePerMessage = naive.seconds / naiveSample;
  say(`| subscribers | naive s (extrapolated from ${naiveSample}) | pipeline s | pipeline msg/s | pipeline peak MB | speed-up |`);
  say('| --- | --- | --- | --- | --- | --- |');
  for (const n of quick ? [1_000, 10_000] : [1_000, 10_000, 100_000]) {
    const fast = runCase('pipeline', n);
    say(
      `| ${n.toLocaleString('en-US')} | ${(naivePerMessage * n).toFixed(1)} | ${fast.seconds.toFixed(2)} | ${Math.round(n / fast.seconds).toLocaleString('en-US')} | ${fast.peakMb} | ${Math.round((naivePerMessage * n) / fast.seconds)}x |`,
    );
  }
  say(`Naive peak memory for ${naiveSample}: ${naive.peakMb} MB.`);
  say('');
}
if (section('pairing')) {
  say('Pairing (best-match, exact), new tools in 10 categories');
  say('| new tools | seconds |');
  say('| --- | --- |');
  for (const n of [100, 500, 1000]) say(`| ${n} | ${runCase('pairing', n).seconds.toFixed(3)} |`);
  say('');
}
/** A ledger as a send interrupted late would leave it: 90% of the readers planned, 80% sent. */
function interruptedLedger(file: string, rows: number): void {
  const emails = Array.from({ length: rows }, (_, i) => `reader${i}@example.com`)
    .filter((_, i) => i % 50 !== 0)
    .sort();
  const planned = Math.floor((emails.length * 0.9) / 100);
  const lines: string[] = [];
  for (let b = 0; b < planned; b++) {
    const recipients = emails.slice(b * 100, b * 100 + 100).map((email) => ({ email, name: 'Reader', categories: [] }));
    lines.push(JSON.stringify({ state: 'pending', batch: b + 1, key: `bench-${b + 1}`, recipients }));
  }
  for (let b = 0; b < Math.floor((emails.length * 0.8) / 100); b++)
    lines.push(JSON.stringify({ state: 'sent', batch: b + 1, rejected: [] }));
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${lines.join('\n')}\n`);
}

const LISTS = {
  simple: 'simple: one domain, ASCII names, no quotes',
  realistic: 'realistic (bench/realistic-list.ts)',
  'realistic-bom-crlf': 'realistic, with a BOM and CRLF',
};
if (section('list') && database) {
  await listOnBackends(quick ? 100_000 : 1_000_000, database, say);
  say(`Load average afterwards: ${load()}.`);
  say('');
} else if (section('list')) {
  say(
    'A large subscriber file: `send --dry-run` reads, merges and plans it (outbox, nothing sent); "resumed" adds the ledger of a send stopped at 80%',
  );
  say(`| ${codeHead}list | rows | ledger | wall s | CPU s | peak MB |`);
  say(`| ${codeRule}--- | --- | --- | --- | --- | --- |`);
  const cases = (
    quick
      ? [
          [100_000, 'simple', false],
          [100_000, 'realistic', false],
        ]
      : [
          [100_000, 'simple', false],
          [100_000, 'realistic', false],
          [1_000_000, 'simple', false],
          [1_000_000, 'realistic', false],
          [1_000_000, 'realistic-bom-crlf', false],
          [1_000_000, 'simple', true],
        ]
  ) as [number, keyof typeof LISTS, boolean][];
  for (let run = 0; run < runs; run++)
    for (const [rows, list, resumed] of cases) {
      const dir = mkdtempSync(path.join(tmpdir(), 'bench-list-'));
      try {
        const file = path.join(dir, 'subscribers.csv');
        if (list === 'simple') await subscriberCsv(file, rows);
        else await realisticCsv(file, { rows, bom: list !== 'realistic', crlf: list !== 'realistic' });
        await eachCode(run, async (code) => {
          const state = path.join(dir, `state-${CODES.findIndex((c) => c.dir === codeRoot())}`);
          if (resumed) {
            // Frozen first: a send that has started reads its issue back and never builds it anew.
            cli(['build', '--week', '2026-W46', '--state', state], envOn(null));
            interruptedLedger(path.join(state, 'ledger', '2026-W46.jsonl'), rows);
          }
          const timedRun = await timed(
            ['send', '--dry-run', '--week', '2026-W46', '--subscribers', file, '--state', state],
            envOn(null, { RESEND_API_KEY: '' }),
          );
          if (timedRun.status !== 0) say(`send --dry-run exited ${timedRun.status}: ${tail(timedRun)}`);
          say(
            `| ${codeCell(code)}${LISTS[list]} | ${rows.toLocaleString('en-US')} | ${resumed ? `${Math.round(statSync(path.join(state, 'ledger', '2026-W46.jsonl')).size / 2 ** 20)} MB, resumed` : 'none'} | ${timedRun.seconds.toFixed(1)} | ${timedRun.cpuSeconds.toFixed(1)} | ${timedRun.peakMb} |`,
          );
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  say(`Load average afterwards: ${load()}.`);
  say('');
}
if (section('parsers')) {
  const rows = quick ? 100_000 : 1_000_000;
  say(
    `CSV parsers on the realistic ${rows.toLocaleString('en-US')}-row list with a BOM and CRLF, each in its own process, taking turns ${runs} times; each puts every address, trimmed and lowercased, into a Set`,
  );
  say('| parser | wall s, each run | CPU s, each run | peak MB | row count, tricky rows, BOM, CRLF |');
  say('| --- | --- | --- | --- | --- |');
  const chosen = process.argv.includes('--parsers') ? process.argv[process.argv.indexOf('--parsers') + 1]?.split(',') : undefined;
  for (const f of await compareParsers(rows, runs, chosen)) {
    const each = (values: number[]) => values.map((v) => v.toFixed(2)).join(', ');
    const wrong = f.problems.map((p) => (p.length > 90 ? `${p.slice(0, 90)}…` : p).replaceAll('|', '\\|'));
    say(
      `| ${f.name}: ${f.label} | ${each(f.seconds)} | ${each(f.cpuSeconds)} | ${Math.max(...f.peakMb)} | ${wrong.length === 0 ? 'right' : `WRONG: ${wrong.join('; ')}`} |`,
    );
  }
  say(`Load average afterwards: ${load()}.`);
  say('');
}
if (section('delivery') && database) {
  await deliveryOnBackends(quick ? 2_000 : 20_000, 100, 4304, database, say);
  say(`Load average afterwards: ${load()}.`);
  say('');
} else if (section('delivery')) {
  say('Delivery: `send` against the fake Resend (own process, 15 ms latency), fault-free');
  say(
    `| ${codeHead}readers | rate limit req/s | ceiling msg/s | achieved msg/s while sending | efficiency | 429s | wall s, start to finish | CPU s, send + fake | peak MB | CPU ms per batch, send + fake |`,
  );
  say(`| ${codeRule}--- | --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
  const deliveries = (
    quick
      ? [[2_000, 10, 4301]]
      : [
          [20_000, 10, 4301],
          [20_000, 100, 4302],
          [100_000, 100, 4303],
        ]
  ).filter(([readers]) => onlyReaders === undefined || readers === onlyReaders) as [number, number, number][];
  for (let run = 0; run < runs; run++)
    for (const [readers, rate, port] of deliveries)
      await eachCode(run, async (code) => {
        const r = await send(readers, rate, port);
        if (r.status !== 0) say(`send exited ${r.status}: ${r.output.split('\n').slice(-5).join(' | ')}`);
        const ceiling = rate * 100;
        const batches = r.requests - r.rateLimited;
        say(
          `| ${codeCell(code)}${readers.toLocaleString('en-US')} | ${rate} | ${ceiling.toLocaleString('en-US')} | ${r.sendingRate.toLocaleString('en-US')} | ${Math.round((100 * r.sendingRate) / ceiling)}% | ${r.rateLimited} | ${r.seconds.toFixed(1)} | ${r.cpuSeconds.toFixed(1)} + ${r.fakeCpuSeconds.toFixed(1)} | ${r.peakMb} | ${Math.round((1000 * r.cpuSeconds) / batches)} + ${Math.round((1000 * r.fakeCpuSeconds) / batches)} |`,
        );
      });
  say('');
  say(
    'The send pipeline alone (ledger, rendering, the real pacer) against a stub that answers each batch in 15 ms and never serializes it',
  );
  say(`| ${codeHead}readers | rate limit req/s | ceiling msg/s | achieved msg/s while sending | efficiency | peak MB |`);
  say(`| ${codeRule}--- | --- | --- | --- | --- | --- |`);
  for (let run = 0; run < runs; run++)
    await eachCode(run, async (code) => {
      const rate = 100;
      const { sent = 0, seconds, peakMb } = runCase('pipeline-send', quick ? 2_000 : 20_000, rate);
      const perSecond = Math.round(sent / seconds);
      say(
        `| ${codeCell(code)}${sent.toLocaleString('en-US')} | ${rate} | ${(rate * 100).toLocaleString('en-US')} | ${perSecond.toLocaleString('en-US')} | ${Math.round(perSecond / rate)}% | ${peakMb} |`,
      );
    });
  say(`Load average afterwards: ${load()}.`);
  say('');
}
if (section('webhooks')) {
  say(
    'Webhook ingest: signed Resend events (delivered, opened, clicked per reader, plus redeliveries) fired by autocannon at real `serve` processes with a 10,000-tool catalog, while a client loads `GET /` in a loop; two serves share one database and the events',
  );
  say(
    '| backend, serves | events (distinct) | connections | seconds | events/s | event p50 / p99 ms | non-2xx | serve CPU s | server CPU s | `GET /` first, then warm ms | pages served meanwhile | page p50 / p99 / max ms | `stats` exact | deliveries recorded |',
  );
  say('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const size = { readers: quick ? 1_000 : 5_000, duplicates: quick ? 300 : 1_000, tools: quick ? 2_000 : 10_000, connections: 32 };
  const row = async (backend: string, c: IngestCase) => {
    const f = await webhookIngest(c).catch((error: Error) => error);
    if (f instanceof Error) return say(`| ${backend} | failed: ${f.message.split('\n')[0]} |`);
    const n = (v: number) => v.toLocaleString('en-US');
    say(
      `| ${backend} | ${n(f.events)} (${n(f.distinct)}) | ${c.connections} | ${f.seconds.toFixed(1)} | ${n(f.perSecond)} | ${f.eventP50Ms.toFixed(0)} / ${f.eventP99Ms.toFixed(0)} | ${f.non2xx} | ${f.serveCpuSeconds.toFixed(1)} | ${f.serverCpu ? serverCpuText(f.serverCpu) : '-'} | ${Math.round(f.firstHomeMs)}, then ${f.warmHomeMs.toFixed(1)} | ${f.pages} | ${Math.round(f.pageP50Ms)} / ${Math.round(f.pageP99Ms)} / ${Math.round(f.pageMaxMs)} | ${f.statsExact ? 'yes' : 'NO'} | ${n(f.recorded)} |`,
    );
  };
  for (let run = 0; run < runs; run++) await eachCode(run, (code) => row(`${code ? `${code}, ` : ''}files, 1`, size));
  if (database) {
    for (const serves of [1, 2]) await withBenchDatabase(database, (d) => row(`PostgreSQL, ${serves}`, { ...size, database: d, serves }));
  }
  say(`Load average while measuring: ${load()}.`);
  say('');
}
say(`Command: npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`);
writeFileSync(path.join(REPO, '.digest-bench.md'), `${lines.join('\n')}\n`);
