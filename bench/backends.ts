// Files and PostgreSQL side by side (issue #22): the same list imported, planned and sent by each backend in turn,
// in one run. Imported by bench/run.ts when it is given a database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ServerCpu, serverCpuText, withBenchDatabase } from './database.ts';
import { envOn, send, tail, type Timed, timed, WEEK } from './processes.ts';
import { realisticCsv } from './realistic-list.ts';

type Say = (line?: string) => void;
const n = (value: number) => value.toLocaleString('en-US');

/** What a command said it did: the readers an import added, the messages a dry run planned. */
function outcome(run: Timed): string {
  // A failure's first line is its sentence (or, for a bug, the error's name and message).
  if (run.status !== 0) return `exited ${run.status}: ${run.output.trim().split('\n')[0]?.replaceAll('|', '/')}`;
  const added = /(\d+) added as active/.exec(run.output)?.[1];
  const planned = /would send (\d+) messages?/.exec(run.output)?.[1];
  return added ? `${n(Number(added))} added` : planned ? `${n(Number(planned))} planned` : '';
}

/**
 * The realistic list of `rows` rows: `subscribers import` into an empty state and `send --dry-run` on what it
 * imported, on each backend; files also with the list as the editor's CSV in place (no import), as most run it;
 * PostgreSQL's dry run both right after the import and once the table is analyzed.
 */
export async function listOnBackends(rows: number, adminUrl: string, say: Say): Promise<void> {
  say(
    `The realistic ${n(rows)}-row list on each backend: \`subscribers import\` into an empty state, then \`send --dry-run\` of what it imported; command CPU and peak from /usr/bin/time, server CPU that of the PostgreSQL processes on the bench database (those serving the command, then autovacuum's)`,
  );
  say('| backend | step | wall s | command CPU s | server CPU s | peak MB | outcome |');
  say('| --- | --- | --- | --- | --- | --- | --- |');
  const row = (backend: string, step: string, run: Timed, serverCpu?: ServerCpu) =>
    say(
      `| ${backend} | ${step} | ${run.seconds.toFixed(1)} | ${run.cpuSeconds.toFixed(1)} | ${serverCpu ? serverCpuText(serverCpu) : '-'} | ${run.peakMb} | ${outcome(run)} |`,
    );
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-backends-'));
  try {
    const file = path.join(dir, 'subscribers.csv');
    await realisticCsv(file, { rows });
    const importList = (state: string) => ['subscribers', 'import', file, '--state', state];
    const dryRun = (state: string) => ['send', '--dry-run', '--week', WEEK, '--state', state];
    const files = envOn(null, { RESEND_API_KEY: '' });
    row('files', '`send --dry-run`, the CSV in place', await timed([...dryRun(path.join(dir, 'in-place')), '--subscribers', file], files));
    const imported = path.join(dir, 'imported');
    const fileImport = await timed(importList(imported), files);
    row('files', '`subscribers import`', fileImport);
    if (fileImport.status === 0) row('files', '`send --dry-run`', await timed(dryRun(imported), files));
    await withBenchDatabase(adminUrl, async (database) => {
      const env = envOn(database.url, { RESEND_API_KEY: '' });
      const local = path.join(dir, 'local');
      const step = async (name: string, args: string[]) => {
        const serverCpu = database.watchCpu();
        const run = await timed(args, env);
        row('PostgreSQL', name, run, await serverCpu());
        return run.status === 0;
      };
      if (!(await step('`subscribers import`', importList(local)))) return;
      // Right after the import the planner has no statistics of the new rows; autovacuum gathers them within minutes.
      if (!(await step('`send --dry-run`, right after', dryRun(local)))) return;
      await database.analyze();
      await step('`send --dry-run`, once analyzed', dryRun(local));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `send` of `readers` readers to the fake Resend on each backend, start to finish. */
export async function deliveryOnBackends(readers: number, rateLimit: number, port: number, adminUrl: string, say: Say): Promise<void> {
  say(
    `Delivery on each backend: \`send\` of ${n(readers)} readers to the fake Resend (own process, 15 ms latency, ${rateLimit} requests/s), start to finish; on PostgreSQL the list is imported first (not timed)`,
  );
  say(
    '| backend | readers | wall s, start to finish | achieved msg/s while sending | send CPU s | server CPU s | peak MB | requests (429s) | sent |',
  );
  say('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  const row = (backend: string, r: Awaited<ReturnType<typeof send>>) => {
    if (r.status !== 0) say(`${backend}: send exited ${r.status}: ${tail(r, 5)}`);
    say(
      `| ${backend} | ${n(readers)} | ${r.seconds.toFixed(1)} | ${n(r.sendingRate)} | ${r.cpuSeconds.toFixed(1)} | ${r.serverCpu ? serverCpuText(r.serverCpu) : '-'} | ${r.peakMb} | ${r.requests} (${r.rateLimited}) | ${n(r.sent)} |`,
    );
  };
  row('files', await send(readers, rateLimit, port));
  row('PostgreSQL', await withBenchDatabase(adminUrl, (database) => send(readers, rateLimit, port + 1, database)));
}
