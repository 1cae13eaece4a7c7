/**
 * `build --json` and `preview` as a user runs them: the JSON contract, weeks in a time zone across
 * daylight-saving changes, the default week, categories, markup, odd counts, repeats and spotlight.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanup,
  emlFilesUnder,
  fixture,
  newSlugs,
  pairsOf,
  parseIssue,
  readEml,
  runCli,
  spawnCli,
  stderrLines,
  tempDir,
  traceNoise,
  writeCsv,
  type CliResult,
  type JsonIssue,
  type JsonSide,
} from './helpers/cli.ts';

afterAll(cleanup);

const NY = 'America/New_York';

function build(data: string, state: string, flags: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(['build', '--json', '--data', data, '--state', state, ...flags], { env });
}

function expectSide(side: JsonSide): void {
  expect(side).toMatchObject({
    slug: expect.any(String),
    name: expect.any(String),
    category: expect.any(String),
    isNew: expect.any(Boolean),
    panel: { label: expect.stringMatching(/^(Ship|Mixed|Skip|No verdict)$/), ship: expect.any(Number), skip: expect.any(Number) },
  });
  expect(side.panel.percent === null || typeof side.panel.percent === 'number').toBe(true);
}

function expectContract(issue: JsonIssue): void {
  expect(issue).toMatchObject({
    week: expect.stringMatching(/^\d{4}-W\d{2}$/),
    timezone: expect.any(String),
    comparisons: expect.any(Array),
  });
  for (const c of issue.comparisons) {
    expectSide(c.left);
    if (c.right !== null) expectSide(c.right);
    expect([c.left.slug, c.right?.slug, 'toss-up']).toContain(c.pick);
    expect(typeof c.summary).toBe('string');
    expect(c.summary.trim().length).toBeGreaterThan(0);
  }
}

describe('build --json contract', () => {
  it('pairs categories that differ only in case and spaces, keeps markup as text, freezes the issue, and preview escapes it', async () => {
    const state = tempDir();
    const out = tempDir();
    const result = await build(fixture('mixed'), state, ['--week', '2026-W46']);
    expect(result.stderr).toBe('');
    const issue = parseIssue(result);
    expectContract(issue);
    expect(issue.week).toBe('2026-W46');
    expect(issue.timezone).toBe('UTC');
    expect(newSlugs(issue)).toEqual(['moodloom', 'pixelforge', 'prosepilot', 'quilldraft']);
    // "Design"/"design " and "Writing"/"writing" are one category each: two same-category pairs,
    // although the text makes Pixelforge~Quilldraft and Moodloom~Prosepilot the most similar.
    expect(pairsOf(issue)).toEqual(['moodloom|pixelforge', 'prosepilot|quilldraft']);
    const sides = issue.comparisons.flatMap((c) => [c.left, c.right]);
    const pixel = sides.find((s) => s?.slug === 'pixelforge')!;
    expect(pixel.tagline).toBe('<img src=x onerror=alert(1)>');
    expect(existsSync(path.join(state, 'issues', '2026-W46.json'))).toBe(true);

    const preview = await runCli(['preview', '--week', '2026-W46', '--data', fixture('mixed'), '--state', state, '--out', out]);
    expect(preview.status, preview.stderr).toBe(0);
    const html = readFileSync(path.join(out, '2026-W46.html'), 'utf8');
    const text = readFileSync(path.join(out, '2026-W46.txt'), 'utf8');
    expect(html).not.toMatch(/<img[^>]*onerror/i);
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(text).toContain('<img src=x onerror=alert(1)>');
    for (const name of ['Pixelforge', 'Moodloom', 'Quilldraft', 'Prosepilot']) expect(html).toContain(name);
  });

  it('an odd tool out is compared with the most similar earlier tool of its category; panel and pick follow the verdict rules', async () => {
    const issue = parseIssue(await build(fixture('mixed'), tempDir(), ['--week', '2026-W47']));
    expectContract(issue);
    expect(newSlugs(issue)).toEqual(['lab-notes', 'taleloom', 'versesmith']);
    expect(pairsOf(issue)).toEqual(['lab-notes|old-research-near', 'taleloom|versesmith']);
    const byPair = new Map(issue.comparisons.map((c) => [[c.left.slug, c.right?.slug].sort().join('|'), c]));
    const odd = byPair.get('lab-notes|old-research-near')!;
    const earlier = [odd.left, odd.right!].find((s) => s.slug === 'old-research-near')!;
    const labNotes = [odd.left, odd.right!].find((s) => s.slug === 'lab-notes')!;
    expect(earlier.isNew).toBe(false);
    expect(labNotes.isNew).toBe(true);
    expect(labNotes.panel).toMatchObject({ label: 'No verdict', percent: null, ship: 0, skip: 0 });

    const writing = byPair.get('taleloom|versesmith')!;
    const tale = [writing.left, writing.right!].find((s) => s.slug === 'taleloom')!;
    const verse = [writing.left, writing.right!].find((s) => s.slug === 'versesmith')!;
    expect(tale.panel).toMatchObject({ label: 'Ship', percent: 75, ship: 3, skip: 1 });
    expect(verse.panel).toMatchObject({ label: 'Mixed', percent: 50, ship: 2, skip: 2 });
    expect(writing.pick).toBe('taleloom');
  });
});

describe('weeks in the digest time zone, across daylight-saving changes', () => {
  // America/New_York springs forward on Sunday 2026-03-08 and falls back on Sunday 2026-11-01.
  const cases: { week: string; tz: 'UTC' | 'NY'; via: 'flag' | 'env' | 'flag over env'; expected: string[] }[] = [
    { week: '2026-W11', tz: 'UTC', via: 'flag over env', expected: ['mar-mon-date', 'mar-mon-early', 'mar-sun-evening'] },
    { week: '2026-W10', tz: 'NY', via: 'flag', expected: ['mar-sun-date', 'mar-sun-evening', 'mar-w10-mid'] },
    { week: '2026-W11', tz: 'NY', via: 'env', expected: ['mar-mon-date', 'mar-mon-early'] },
    { week: '2026-W45', tz: 'UTC', via: 'flag', expected: ['nov-mon-date', 'nov-sun-late', 'nov-w45-mid'] },
    { week: '2026-W44', tz: 'NY', via: 'env', expected: ['nov-sun-late', 'nov-sun-repeated-hour'] },
    { week: '2026-W45', tz: 'NY', via: 'flag', expected: ['nov-mon-date', 'nov-w45-mid'] },
  ];

  it('selects the tools new in each week, in UTC and in New York (--tz and DIGEST_TIMEZONE)', async () => {
    const results = await Promise.all(
      cases.map(async (c) => {
        const zone = c.tz === 'NY' ? NY : 'UTC';
        const flags = ['--week', c.week];
        let env: Record<string, string> = {};
        if (c.via === 'flag') flags.push('--tz', zone);
        else if (c.via === 'env') env = { DIGEST_TIMEZONE: zone };
        else {
          flags.push('--tz', zone);
          env = { DIGEST_TIMEZONE: NY };
        }
        const issue = parseIssue(await build(fixture('dst'), tempDir(), flags, env));
        return { label: `${c.week} ${zone} (${c.via})`, week: issue.week, timezone: issue.timezone, slugs: newSlugs(issue), issue };
      }),
    );
    for (const [i, c] of cases.entries()) {
      const r = results[i]!;
      expectContract(r.issue);
      expect({ label: r.label, week: r.week, timezone: r.timezone, slugs: r.slugs }).toEqual({
        label: r.label,
        week: c.week,
        timezone: c.tz === 'NY' ? NY : 'UTC',
        slugs: c.expected,
      });
    }
  });

  it('without --week, builds the last week that ended at DIGEST_NOW in the digest time zone', async () => {
    // 2026-11-16T04:00Z is Monday in UTC (W46 just ended) but still Sunday 23:00 in New York (W45 just ended).
    const env = { DIGEST_NOW: '2026-11-16T04:00:00Z' };
    const [utc, ny, human] = await Promise.all([
      build(fixture('dst'), tempDir(), [], env),
      build(fixture('dst'), tempDir(), ['--tz', NY], env),
      runCli(['build', '--data', fixture('dst'), '--state', tempDir()], { env }),
    ]);
    const utcIssue = parseIssue(utc);
    expect(utcIssue.week).toBe('2026-W46');
    expect(utcIssue.comparisons).toEqual([]);
    const nyIssue = parseIssue(ny);
    expect(nyIssue.week).toBe('2026-W45');
    expect(nyIssue.timezone).toBe(NY);
    expect(newSlugs(nyIssue)).toEqual(['nov-mon-date', 'nov-w45-mid']);
    // A week with no new tools is not an error, and says so.
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/2026-W46/);
    expect(human.stdout).toMatch(/no new tools/i);
  });
});

describe('pairing', () => {
  it('never repeats a pair from an earlier frozen issue when another pairing exists, and repeats it when none does', async () => {
    const state = tempDir();
    const first = parseIssue(await build(fixture('repeat-a'), state, ['--week', '2026-W45']));
    // ant~bee and cat~dog are the most similar pairs.
    expect(pairsOf(first)).toEqual(['ant|bee', 'cat|dog']);
    const tossUp = first.comparisons.find((c) => c.left.slug === 'ant' || c.right?.slug === 'ant')!;
    expect(tossUp.pick).toBe('toss-up');
    expect(existsSync(path.join(state, 'issues', '2026-W45.json'))).toBe(true);

    // The same four tools, dated a week later: the optimum by similarity repeats both pairs.
    const second = parseIssue(await build(fixture('repeat-b'), state, ['--week', '2026-W46']));
    expect(newSlugs(second)).toEqual(['ant', 'bee', 'cat', 'dog']);
    const pairs = pairsOf(second);
    expect(pairs).toHaveLength(2);
    expect(pairs).not.toContain('ant|bee');
    expect(pairs).not.toContain('cat|dog');
    expect(pairs.flatMap((p) => p.split('|')).sort()).toEqual(['ant', 'bee', 'cat', 'dog']);

    // Only ant and bee are new: their pair was sent before, but there is no other way to pair them.
    const third = parseIssue(await build(fixture('repeat-c'), state, ['--week', '2026-W47']));
    expect(pairsOf(third)).toEqual(['ant|bee']);
  });

  it('--strategy spotlight compares the chosen tool (or the most-voted new tool) with every other new tool; an unknown slug is one clear error', async () => {
    const [chosen, byVotes, unknown, human] = await Promise.all([
      build(fixture('mixed'), tempDir(), ['--week', '2026-W46', '--strategy', 'spotlight', '--spotlight', 'moodloom']),
      build(fixture('mixed'), tempDir(), ['--week', '2026-W46', '--strategy', 'spotlight']),
      build(fixture('mixed'), tempDir(), ['--week', '2026-W46', '--strategy', 'spotlight', '--spotlight', 'no-such-tool']),
      runCli([
        'build',
        '--data',
        fixture('mixed'),
        '--state',
        tempDir(),
        '--week',
        '2026-W46',
        '--strategy',
        'spotlight',
        '--spotlight',
        'moodloom',
      ]),
    ]);
    for (const [star, result] of [
      ['moodloom', chosen],
      ['prosepilot', byVotes],
    ] as const) {
      const issue = parseIssue(result);
      expectContract(issue);
      expect(issue.comparisons).toHaveLength(3);
      for (const c of issue.comparisons) expect([c.left.slug, c.right?.slug]).toContain(star);
      const others = issue.comparisons.map((c) => (c.left.slug === star ? c.right!.slug : c.left.slug)).sort();
      expect(others).toEqual(['moodloom', 'pixelforge', 'prosepilot', 'quilldraft'].filter((s) => s !== star));
    }
    expect(unknown.status).not.toBe(0);
    expect(unknown.stdout).toBe('');
    expect(stderrLines(unknown)).toHaveLength(1);
    expect(unknown.stderr).toContain('no-such-tool');
    expect(traceNoise(unknown.stderr)).toEqual([]);

    // The human summary counts the week's new tools once each: 4 new tools (the spotlight is in every comparison).
    expect(human.status, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/\b3 comparisons\b/);
    expect(human.stdout.split('\n')[0]).toMatch(/\b4 new tools\b/);
  });

  it('send delivers the issue as build froze it (a spotlight issue stays a spotlight issue)', async () => {
    const dir = tempDir();
    const state = path.join(dir, 'state');
    const common = ['--data', fixture('mixed'), '--state', state, '--week', '2026-W46'];
    const built = await runCli(['build', ...common, '--strategy', 'spotlight', '--spotlight', 'moodloom']);
    expect(built.status, built.stderr).toBe(0);
    const send = await runCli(['send', ...common, '--subscribers', writeCsv(dir, ['email', 'all@example.com'])]);
    expect(send.status, send.stdout + send.stderr).toBe(0);
    const [message] = emlFilesUnder(path.join(state, 'outbox', '2026-W46')).map(readEml);
    expect(message, 'no message in the outbox').toBeDefined();
    for (const other of ['Pixelforge', 'Quilldraft', 'Prosepilot']) {
      expect(message!.text, `the frozen comparison of ${other} with Moodloom is missing`).toMatch(
        new RegExp(`${other} vs Moodloom|Moodloom vs ${other}`),
      );
    }
  });

  it('piping build into a reader that stops early (| head) prints no stack trace', async () => {
    const result = await spawnCli(['build', '--data', fixture('mixed'), '--state', tempDir(), '--week', '2026-W46'], {
      onSpawn: (child) => child.stdout!.destroy(),
    });
    expect(traceNoise(result.stderr), result.stderr).toEqual([]);
  });
});
