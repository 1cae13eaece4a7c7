/**
 * Damaged or wrong state stops with one sentence (issue 11, items 6 to 14), as a user meets it: the CLI
 * spawned on temp folders. A damaged ledger or frozen issue, a flag naming a file, an empty list, settings
 * that would make bad mail, an unreachable Resend, an oversized week, private state and CRLF mail.
 */
import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeResend } from './fake-resend.ts';
import {
  cleanup,
  copyFixture,
  emlFilesUnder,
  filesUnder,
  fixture,
  runCli,
  stderrLines,
  tempDir,
  traceNoise,
  writeCsv,
  writeText,
  type CliResult,
} from './helpers/cli.ts';

afterAll(cleanup);

const WEEK = '2026-W46';
const RESEND = {
  RESEND_API_KEY: 're_test_key',
  DIGEST_FROM: 'Weekly AI Tool Verdicts <verdicts@example.com>',
  DIGEST_SECRET: 'trust-test-secret-long-enough-to-sign-links',
  DIGEST_PUBLIC_URL: 'https://verdicts.example.com',
  DIGEST_POSTAL_ADDRESS: '1 Example Street, Springfield',
};

function readers(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `reader${String(i + 1).padStart(3, '0')}@example.com`);
}

function workspace(addresses = readers(3)) {
  const dir = tempDir('digest-trust-');
  const state = path.join(dir, 'state');
  const csv = writeCsv(dir, ['email,name,categories,status', ...addresses.map((a, i) => `${a},Reader ${i + 1},,active`)]);
  const flags = (data = fixture('mixed'), subscribers = csv) => [
    '--data',
    data,
    '--subscribers',
    subscribers,
    '--state',
    state,
    '--week',
    WEEK,
  ];
  return {
    dir,
    state,
    csv,
    flags,
    ledger: path.join(state, 'ledger', `${WEEK}.jsonl`),
    frozen: path.join(state, 'issues', `${WEEK}.json`),
  };
}

/** One line on stderr mentioning every one of `mentions`, a non-zero exit, no stack trace. */
function expectOneSentence(result: CliResult, ...mentions: (string | RegExp)[]): void {
  expect(result.status, result.stdout + result.stderr).not.toBe(0);
  expect(result.status).not.toBeNull();
  expect(traceNoise(result.stdout + result.stderr)).toEqual([]);
  const lines = stderrLines(result);
  expect(lines, result.stderr).toHaveLength(1);
  for (const m of mentions) expect(lines[0]).toMatch(m);
}

describe('damaged state stops with one sentence', () => {
  it('a send ledger with an unreadable line in the middle stops send, naming the file and line; a torn last line is tolerated', async () => {
    const ws = workspace(readers(250));
    const first = await runCli(['send', ...ws.flags()]);
    expect(first.status, first.stderr).toBe(0);
    const lines = readFileSync(ws.ledger, 'utf8').split('\n');
    expect(lines.length).toBeGreaterThan(4);

    // A crash mid-append: the next run reads past it and finds nothing left to send.
    appendFileSync(ws.ledger, '{"state":"sent","batch":3,"rej');
    const again = await runCli(['send', ...ws.flags()]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already sent to everyone/);

    // The second line (a pending batch of 100 readers) damaged: they could get a second copy.
    lines[1] = lines[1]!.slice(0, 40);
    writeFileSync(ws.ledger, lines.join('\n'));
    const before = filesUnder(path.join(ws.state, 'outbox')).map((f) => statSync(path.join(ws.state, 'outbox', f)).mtimeMs);
    for (const args of [['send'], ['send', '--dry-run']]) {
      const damaged = await runCli([...args, ...ws.flags()]);
      expectOneSentence(damaged, ws.ledger, /line 2\b/, /README/);
    }
    expect(filesUnder(path.join(ws.state, 'outbox')).map((f) => statSync(path.join(ws.state, 'outbox', f)).mtimeMs)).toEqual(before);
  });

  it('a truncated frozen issue, of the week or an earlier one, is one sentence naming it', async () => {
    const ws = workspace();
    const built = await runCli(['build', ...ws.flags()]);
    expect(built.status, built.stderr).toBe(0);
    truncateSync(ws.frozen, 100);
    // Once a send has started the frozen issue is what goes out, so it is read, not rebuilt; a ledger from before sends
    // kept the issue has no other copy of it.
    writeText(ws.ledger, `${JSON.stringify({ state: 'pending', batch: 1, key: 'k', recipients: [] })}\n`);
    expectOneSentence(await runCli(['send', ...ws.flags()]), ws.frozen, /send of 2026-W46 started .* put it back from a backup/);

    const other = workspace();
    writeText(path.join(other.state, 'issues', '2026-W40.json'), '{"week":"2026-W40","comp');
    expectOneSentence(await runCli(['build', ...other.flags()]), path.join(other.state, 'issues', '2026-W40.json'));
  });

  it('--data or --state naming a file, and an empty subscriber file, are one sentence each', async () => {
    const ws = workspace();
    const file = writeText(path.join(ws.dir, 'a-file'), 'not a folder\n');
    expectOneSentence(await runCli(['send', '--data', file, '--subscribers', ws.csv, '--state', ws.state, '--week', WEEK]), '--data', file);
    expectOneSentence(
      await runCli(['send', '--data', fixture('mixed'), '--subscribers', ws.csv, '--state', file, '--week', WEEK]),
      '--state',
      file,
    );
    expectOneSentence(await runCli(['build', '--data', fixture('mixed'), '--state', path.join(file, 'state'), '--week', WEEK]), '--state');
    const empty = writeText(path.join(ws.dir, 'empty.csv'), '');
    const result = await runCli(['send', ...ws.flags(fixture('mixed'), empty)]);
    expectOneSentence(result, empty, /empty/);
    expect(filesUnder(path.join(ws.state, 'outbox'))).toEqual([]);
    expect(result.stdout).not.toMatch(/everyone/i);
  });
});

describe('settings that would make bad mail refuse before anything goes', () => {
  it('a real send without DIGEST_POSTAL_ADDRESS, with an http: DIGEST_PUBLIC_URL, or with an invalid DIGEST_FROM refuses, naming the variable', async () => {
    const fake = await startFakeResend();
    try {
      const ws = workspace();
      const cases: [string, Record<string, string | undefined>][] = [
        ['DIGEST_POSTAL_ADDRESS', { DIGEST_POSTAL_ADDRESS: undefined }],
        ['DIGEST_PUBLIC_URL', { DIGEST_PUBLIC_URL: 'http://verdicts.example.com' }],
        ['DIGEST_PUBLIC_URL', { DIGEST_PUBLIC_URL: undefined }],
        ['DIGEST_FROM', { DIGEST_FROM: 'Weekly AI Tool Verdicts' }],
        ['DIGEST_FROM', { DIGEST_FROM: 'Verdicts <verdicts@example.com>\r\nBcc: all@example.com' }],
      ];
      const results = await Promise.all(
        cases.map(([, env]) => runCli(['send', ...ws.flags()], { env: { ...RESEND, RESEND_BASE_URL: fake.url, ...env } })),
      );
      results.forEach((result, i) => {
        expectOneSentence(result, cases[i]![0]);
        expect(result.stderr).not.toMatch(/not set/);
      });
      expect(fake.requests).toEqual([]);
      expect(filesUnder(path.join(ws.state, 'ledger'))).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('the outbox refuses an invalid DIGEST_FROM too, so no message is written without a From header', async () => {
    const ws = workspace();
    expectOneSentence(await runCli(['send', ...ws.flags()], { env: { DIGEST_FROM: 'not an address' } }), 'DIGEST_FROM');
    expect(filesUnder(path.join(ws.state, 'outbox'))).toEqual([]);
  });

  it('a catalog name or tagline with a line break is refused at load, naming the file and field', async () => {
    for (const field of ['name', 'tagline']) {
      const ws = workspace();
      const data = copyFixture('mixed', ws.dir);
      const file = path.join(data, 'tools', 'pixelforge.json');
      const tool = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
      tool[field] = `${tool[field]}\r\nBcc: everyone@example.com`;
      writeFileSync(file, JSON.stringify(tool, null, 2));
      expectOneSentence(await runCli(['build', ...ws.flags(data)]), 'pixelforge.json', `"${field}"`, /line break/);
    }
  });
});

/** A port on this machine where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Resend out of reach', () => {
  it('stops the run with one sentence and a clean ledger; the next run, with Resend back, sends everyone exactly once', async () => {
    const addresses = readers(450);
    const ws = workspace(addresses);
    const down = await runCli(['send', ...ws.flags()], { env: { ...RESEND, RESEND_BASE_URL: `http://127.0.0.1:${await closedPort()}` } });
    expect(down.status).not.toBe(0);
    expect(down.status).not.toBeNull();
    expect(traceNoise(down.stdout + down.stderr)).toEqual([]);
    const last = stderrLines(down).at(-1)!;
    expect(last).toMatch(/^Resend could not be reached: .*127\.0\.0\.1/);
    expect(stderrLines(down).filter((l) => !/^batch \d+:/.test(l))).toEqual([last]);
    // No batch is left half-recorded: each is planned, or failed with its fate unknown and kept for a resume.
    const states = new Map<number, string>();
    for (const line of readFileSync(ws.ledger, 'utf8').trim().split('\n')) {
      const record = JSON.parse(line) as { state: string; batch: number };
      if (record.state !== 'started') states.set(record.batch, record.state);
    }
    expect([...states.values()].filter((s) => s !== 'pending' && s !== 'failed')).toEqual([]);
    expect(statSync(ws.ledger).size).toBeGreaterThan(0);
    expect(filesUnder(path.join(ws.state, 'locks'))).toEqual([]);

    const fake = await startFakeResend({ rateLimit: 1000 });
    try {
      const back = await runCli(['send', ...ws.flags()], { env: { ...RESEND, RESEND_BASE_URL: fake.url } });
      expect(back.status, back.stderr).toBe(0);
      expect(addresses.filter((a) => fake.deliveredTo(a).length !== 1)).toEqual([]);
      expect(fake.emails).toHaveLength(addresses.length);
      const after = await runCli(['send', ...ws.flags()], { env: { ...RESEND, RESEND_BASE_URL: fake.url } });
      expect(after.stdout).toMatch(/already sent to everyone/);
      expect(fake.emails).toHaveLength(addresses.length);
    } finally {
      await fake.close();
    }
  });
});

/** A copy of the `mixed` catalog with `n` more new tools in 2026-W46; returns the folder and their slugs. */
function crowdedCatalog(dir: string, n: number): { data: string; slugs: string[] } {
  const data = copyFixture('mixed', dir);
  const slugs = Array.from({ length: n }, (_, i) => `crowd-${i + 1}`);
  for (const [i, slug] of slugs.entries()) {
    writeText(
      path.join(data, 'tools', `${slug}.json`),
      JSON.stringify(
        {
          slug,
          name: `Crowd Tool ${i + 1}`,
          tagline: `The ${i + 1}th tool of a very crowded week, with a tagline of ordinary length.`,
          category: ['Design', 'Writing', 'Research'][i % 3],
          description: 'A tool that does one thing and says so at some length, as catalog entries do.',
          url: `https://example.com/${slug}`,
          addedAt: '2026-11-10',
          pricing: { entry: 'freemium' },
          panel: [
            {
              persona: 'builder',
              score: 40 + (i % 50),
              verdict: 'ship',
              take: 'It does what it says, quickly, and the API is pleasant to build on.',
            },
            {
              persona: 'skeptic',
              score: 30 + (i % 40),
              verdict: 'skip',
              take: 'Nothing here the incumbents cannot do, and the pricing page is vague.',
            },
          ],
        },
        null,
        2,
      ),
    );
  }
  return { data, slugs };
}

describe('a week too big to mail', () => {
  it('is refused at build and send before anything is frozen or planned, saying how to trim it; trimmed, send --dry-run reports the size', async () => {
    const ws = workspace();
    const huge = crowdedCatalog(path.join(ws.dir, 'huge'), 100);
    const tooMany = await runCli(['send', ...ws.flags(huge.data)]);
    expectOneSentence(tooMany, /10\d new tools/, '"exclude"', path.join(huge.data, 'editions', `${WEEK}.json`));

    const { data, slugs } = crowdedCatalog(path.join(ws.dir, 'big'), 50);
    const [build, send] = await Promise.all([runCli(['build', ...ws.flags(data)]), runCli(['send', ...ws.flags(data)])]);
    for (const result of [build, send])
      expectOneSentence(result, /too big to mail/, /102\.0 KB/, '"exclude"', path.join(data, 'editions', `${WEEK}.json`));
    expect(filesUnder(ws.state)).toEqual([]);

    writeText(path.join(data, 'editions', `${WEEK}.json`), JSON.stringify({ exclude: slugs.slice(6) }));
    const dryRun = await runCli(['send', '--dry-run', ...ws.flags(data)]);
    expect(dryRun.status, dryRun.stderr).toBe(0);
    const size = /Largest message: ([\d.]+) KB of HTML \(Gmail clips at 102\.0 KB\)/.exec(dryRun.stdout);
    expect(size, dryRun.stdout).not.toBeNull();
    expect(Number(size![1])).toBeGreaterThan(10);
    expect(Number(size![1])).toBeLessThan(102);
  });
});

describe('what the outbox writes', () => {
  it('state is private: folders 0700, files 0600; .eml files are CRLF throughout', async () => {
    const ws = workspace();
    const result = await runCli(['send', ...ws.flags()], { env: { DIGEST_POSTAL_ADDRESS: '1 Example Street\nSpringfield' } });
    expect(result.status, result.stderr).toBe(0);
    const files = filesUnder(ws.state);
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(3);
    expect(files).toEqual(expect.arrayContaining([path.join('ledger', `${WEEK}.jsonl`), path.join('issues', `${WEEK}.json`)]));
    const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);
    expect(mode(ws.state)).toBe('700');
    for (const f of files) {
      expect([f, mode(path.join(ws.state, f))]).toEqual([f, '600']);
      expect([path.dirname(f), mode(path.join(ws.state, path.dirname(f)))]).toEqual([path.dirname(f), '700']);
    }
    for (const eml of emlFilesUnder(path.join(ws.state, 'outbox'))) {
      const raw = readFileSync(eml, 'latin1');
      expect(raw.match(/(?<!\r)\n/g) ?? [], `bare LF in ${eml}`).toEqual([]);
      expect(raw.match(/\r(?!\n)/g) ?? [], `bare CR in ${eml}`).toEqual([]);
      expect(raw).toMatch(/^From: /m);
    }
  });
});
