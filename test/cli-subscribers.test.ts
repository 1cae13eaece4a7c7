/**
 * `subscribers add | unsubscribe | import | list`, and how the next `send` honours them.
 */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addressOf,
  cleanup,
  emlFilesUnder,
  filesUnder,
  fixture,
  readEml,
  runCli,
  stderrLines,
  tempDir,
  traceNoise,
  writeCsv,
  writeText,
} from './helpers/cli.ts';

afterAll(cleanup);

describe('subscribers commands', () => {
  let dir: string;
  let state: string;
  let common: string[];

  beforeAll(() => {
    dir = tempDir();
    state = path.join(dir, 'state');
    const csv = writeCsv(dir, ['email,name,categories', 'a@example.com,Ann,', 'b@example.com,Bob,']);
    common = ['--subscribers', csv, '--state', state];
  });

  it('add, unsubscribe and import change what list shows; an unsubscribe survives a re-import', async () => {
    const add = await runCli(['subscribers', 'add', 'New@Example.com', '--categories', 'Design', '--data', fixture('mixed'), ...common]);
    expect(add.status, add.stderr).toBe(0);
    expect(add.stdout.toLowerCase()).toContain('new@example.com');

    const unsubscribe = await runCli(['subscribers', 'unsubscribe', 'a@example.com', ...common]);
    expect(unsubscribe.status, unsubscribe.stderr).toBe(0);

    const importFile = writeCsv(
      dir,
      [
        'email,status', //              line 1
        'fresh@example.com,', //        line 2: added
        'bad address,', //              line 3: rejected
        'B@Example.com,active', //      line 4: unchanged
        'A@example.com,active', //      line 5: stays unsubscribed
      ],
      'import.csv',
    );
    const imported = await runCli(['subscribers', 'import', importFile, ...common]);
    expect(imported.status, imported.stderr).toBe(0);
    expect(traceNoise(imported.stdout + imported.stderr)).toEqual([]);
    expect(imported.stdout.split('\n')).toEqual([
      `Imported ${importFile}:`,
      '  1 added as active',
      '  1 kept as they were, unsubscribed, bounced or complained, although the export has them subscribed: only their own new signup brings them back',
      '  1 unchanged',
      '  1 rejected:',
      `    ${importFile}, line 3: "bad address" is not a valid email address; skipped.`,
      '',
    ]);

    const list = await runCli(['subscribers', 'list', ...common]);
    expect(list.status, list.stderr).toBe(0);
    const rows = new Map(
      list.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => [line.split(',')[0], line] as const),
    );
    expect([...rows.keys()].sort()).toEqual(['a@example.com', 'b@example.com', 'fresh@example.com', 'new@example.com']);
    expect(rows.get('new@example.com')).toMatch(/Design/);
    expect(rows.get('new@example.com')).toMatch(/active/);
    expect(rows.get('a@example.com')).toMatch(/unsubscribed/);
    expect(rows.get('b@example.com')).toMatch(/,active$/);
    expect(rows.get('fresh@example.com')).toMatch(/,active$/);
  });

  it('add on a reader already on the list changes only what its flags name', async () => {
    const csv = writeCsv(
      dir,
      ['email,name,categories,status', 'ada.park@example.com,Ada Park,Design;Writing,active', 'pen@example.com,Pen,,pending'],
      'keep.csv',
    );
    const args = ['--subscribers', csv, '--state', path.join(dir, 'keep-state'), '--data', fixture('mixed')];
    const again = await runCli(['subscribers', 'add', 'ada.park@example.com', ...args]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already on the list \(active\); nothing changed/);
    const renamed = await runCli(['subscribers', 'add', 'ada.park@example.com', '--name', 'Ada P.', ...args]);
    expect(renamed.stdout).toMatch(/Updated ada\.park@example\.com: name "Ada P\."/);
    const pending = await runCli(['subscribers', 'add', 'pen@example.com', '--categories', 'writing', ...args]);
    expect(pending.status, pending.stderr).toBe(0);
    expect(pending.stdout).toMatch(/stays pending/);
    const list = await runCli(['subscribers', 'list', ...args]);
    expect(list.stdout).toContain('ada.park@example.com,Ada P.,Design;Writing,active\n');
    expect(list.stdout).toContain('pen@example.com,Pen,Writing,pending\n');
  });

  it('add refuses an unknown category, naming it and listing the known ones, and records nothing', async () => {
    const state = path.join(dir, 'typo-state');
    const add = await runCli([
      'subscribers',
      'add',
      'x@example.com',
      '--categories',
      'Design;Writng',
      '--data',
      fixture('mixed'),
      '--subscribers',
      path.join(dir, 'none.csv'),
      '--state',
      state,
    ]);
    expect(add.status).not.toBe(0);
    expect(traceNoise(add.stdout + add.stderr)).toEqual([]);
    expect(add.stderr).toMatch(
      /--categories "Writng" is not a category of the catalog in .*; the known ones are: Design, Research, Writing\./,
    );
    const list = await runCli(['subscribers', 'list', '--subscribers', path.join(dir, 'none.csv'), '--state', state]);
    expect(list.stdout).not.toContain('x@example.com');
  });

  it('unsubscribe of an address not on the list says so and still records the opt-out, so a later import cannot mail it', async () => {
    const args = ['--subscribers', path.join(dir, 'none.csv'), '--state', path.join(dir, 'ghost-state')];
    const gone = await runCli(['subscribers', 'unsubscribe', 'ghost@example.org', ...args]);
    expect(gone.status, gone.stderr).toBe(0);
    expect(gone.stdout).toMatch(/ghost@example\.org was not on the list; recorded the opt-out anyway/);
    const imported = await runCli(['subscribers', 'import', writeCsv(dir, ['email', 'ghost@example.org'], 'ghost.csv'), ...args]);
    expect(imported.status, imported.stderr).toBe(0);
    const list = await runCli(['subscribers', 'list', ...args]);
    expect(list.stdout).toContain('ghost@example.org,,,unsubscribed');
  });

  it('list is safe to open in a spreadsheet and to print: formulas neutralized, a CR quoted and escaped', async () => {
    const state = path.join(dir, 'formula-state');
    const csv = writeCsv(
      dir,
      ['email,name', 'evil@example.com,"=HYPERLINK(""http://evil"",""x"")"', 'cr@example.com,"Split\rRow"', 'plus@example.com,+1 555'],
      'formula.csv',
    );
    const list = await runCli(['subscribers', 'list', '--subscribers', csv, '--state', state]);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toContain(`evil@example.com,"'=HYPERLINK(""http://evil"",""x"")",,active\n`);
    expect(list.stdout).toContain('cr@example.com,"Split\\u000dRow",,active\n');
    expect(list.stdout).toContain("plus@example.com,'+1 555,,active\n");
  });

  it('help names the real command and lists only the flags a subcommand uses', async () => {
    const help = await runCli(['subscribers', 'list', '--help']);
    expect(help.stdout).toContain('npm run digest -- subscribers list');
    expect(help.stdout).not.toMatch(/--data|--tz/);
    const build = await runCli(['build', '--help']);
    expect(build.stdout).toContain('npm run digest -- build');
    expect(build.stdout).not.toMatch(/\bdigest build\b(?<!-- build)/);
    // Taken everywhere (SPEC), even where they change nothing.
    const withTz = await runCli(['subscribers', 'list', '--tz', 'UTC', ...common]);
    expect(withTz.status, withTz.stderr).toBe(0);
  });

  it('the next send skips the unsubscribed reader and mails the added and imported ones', async () => {
    const send = await runCli(['send', '--data', fixture('mixed'), '--week', '2026-W46', ...common]);
    expect(send.status, send.stdout + send.stderr).toBe(0);
    const to = emlFilesUnder(path.join(state, 'outbox', '2026-W46'))
      .map((f) => addressOf(readEml(f).headers.get('to')))
      .sort();
    expect(to).toEqual(['b@example.com', 'fresh@example.com', 'new@example.com']);
  });
});

describe('a damaged event store', () => {
  const AT = '2026-11-17T09:00:00.000Z';
  const unsubscribe = (email: string) => JSON.stringify({ type: 'unsubscribe', email, at: AT, source: 'link' });
  const setUp = (events: string) => {
    const dir = tempDir();
    const state = path.join(dir, 'state');
    const csv = writeCsv(dir, ['email', 'a@example.com', 'b@example.com', 'c@example.com']);
    const file = writeText(path.join(state, 'subscribers', 'events.jsonl'), events);
    return { state, file, common: ['--subscribers', csv, '--state', state] };
  };

  it('with an unreadable line in the middle, send, serve and subscribers list stop with the file, the line and the repair; nothing is sent', async () => {
    // The unsubscribe of b@ is the damaged line: skipping it would mail someone who left.
    const { state, file, common } = setUp(
      `${unsubscribe('a@example.com')}\n{"type":"unsubscribe","email":"b@exa\n${unsubscribe('c@example.com')}\n`,
    );
    const sentence = `${file}, line 2 is not JSON; fix or delete line 2 (each line is one JSON event), then run again.`;
    const env = { DIGEST_SECRET: 'a-test-secret-long-enough-to-sign-the-links' };
    const [list, send, serve] = await Promise.all([
      runCli(['subscribers', 'list', ...common]),
      runCli(['send', '--data', fixture('mixed'), '--week', '2026-W46', ...common], { env }),
      runCli(['serve', '--port', '0', ...common], { env }),
    ]);
    for (const [name, run] of [
      ['subscribers list', list],
      ['send', send],
      ['serve', serve],
    ] as const) {
      expect(run.status, `${name}: ${run.stdout}${run.stderr}`).toBe(1);
      expect(run.stderr, name).toContain(sentence);
      expect(traceNoise(run.stdout + run.stderr), name).toEqual([]);
    }
    expect(list.stdout).toBe('');
    expect(serve.stdout).not.toContain('Listening');
    expect(filesUnder(path.join(state, 'outbox'))).toEqual([]);
    expect(existsSync(path.join(state, 'ledger'))).toBe(false);
  });

  it('tolerates a torn last line (a crash mid-append); the next change lands on a line of its own and every command goes on', async () => {
    const { state, file, common } = setUp(`${unsubscribe('a@example.com')}\n{"type":"unsubscribe","email":"b@exa`);
    const before = await runCli(['subscribers', 'list', ...common]);
    expect(before.status, before.stderr).toBe(0);
    expect(before.stdout).toContain('a@example.com,,,unsubscribed');
    expect(before.stdout).toContain('b@example.com,,,active');

    const unsubscribed = await runCli(['subscribers', 'unsubscribe', 'c@example.com', ...common]);
    expect(unsubscribed.status, unsubscribed.stderr).toBe(0);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[1]).toMatch(/^\{"type":"unsubscribe","email":"b@exa\b/);
    expect(JSON.parse(lines[2]!)).toMatchObject({ type: 'unsubscribe', email: 'c@example.com' });
    appendFileSync(file, '{"type":"add","ema');

    const after = await runCli(['subscribers', 'list', ...common]);
    expect(after.status, after.stderr).toBe(0);
    expect(after.stdout.trim().split('\n').slice(1)).toEqual([
      'a@example.com,,,unsubscribed',
      'b@example.com,,,active',
      'c@example.com,,,unsubscribed',
    ]);
    const send = await runCli(['send', '--data', fixture('mixed'), '--week', '2026-W46', ...common]);
    expect(send.status, send.stdout + send.stderr).toBe(0);
    expect(emlFilesUnder(path.join(state, 'outbox', '2026-W46')).map((f) => addressOf(readEml(f).headers.get('to')))).toEqual([
      'b@example.com',
    ]);
  });
});

describe('subscribers import of other tools’ exports', () => {
  const exportFile = (name: string) => fixture(path.join('exports', name));
  const setup = () => {
    const dir = tempDir();
    const csv = writeCsv(dir, [
      'email,name',
      'dana.ruiz@example.com,Dana',
      'farah.haddad@example.com,Farah',
      'gus.lindqvist@example.com,Gus',
    ]);
    return { dir, common: ['--subscribers', csv, '--state', path.join(dir, 'state')] };
  };
  const statuses = async (common: string[]) => {
    const list = await runCli(['subscribers', 'list', ...common]);
    expect(list.status, list.stderr).toBe(0);
    return Object.fromEntries(
      list.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => [line.split(',')[0], line.split(',').at(-1)]),
    );
  };

  // Each file's mapping is checked in src/subscribers/import.test.ts; here, what the command makes of a few in a row.
  it('Mailchimp and Buttondown exports map to the right status, and no later import re-activates who left', async () => {
    const { common } = setup();
    for (const name of ['mailchimp-unsubscribed.csv', 'mailchimp-cleaned.csv', 'buttondown.csv']) {
      const run = await runCli(['subscribers', 'import', exportFile(name), ...common]);
      expect(run.status, `${name}: ${run.stdout}${run.stderr}`).toBe(0);
      expect(run.stdout).not.toMatch(/rejected/);
    }
    // The same people arriving again as active, as an export taken before they left would have them.
    const stale = writeCsv(tempDir(), [
      'Email Address,First Name,Last Name',
      'dana.ruiz@example.com,Dana,Ruiz',
      'farah.haddad@example.com,Farah,Haddad',
      'jo.adeyemi@example.com,Jo,Adeyemi',
      'ivan.petrov@example.com,Ivan,Petrov',
    ]);
    expect((await runCli(['subscribers', 'import', stale, ...common])).status).toBe(0);

    expect(await statuses(common)).toEqual({
      'dana.ruiz@example.com': 'unsubscribed',
      'emeka.obi@example.com': 'unsubscribed',
      'farah.haddad@example.com': 'bounced',
      'gus.lindqvist@example.com': 'active',
      'hana.sato@example.com': 'active',
      'ivan.petrov@example.com': 'pending',
      'jo.adeyemi@example.com': 'unsubscribed',
      'kai.moana@example.com': 'unsubscribed',
    });
  });

  it('a status it does not know stops the import with one sentence naming the line and the value, importing nothing', async () => {
    const { dir, common } = setup();
    const file = writeCsv(
      dir,
      ['email,subscriber_type', 'new.one@example.com,regular', 'gus.lindqvist@example.com,vip'],
      'buttondown-vip.csv',
    );
    const run = await runCli(['subscribers', 'import', file, ...common]);
    expect(run.status).not.toBe(0);
    expect(traceNoise(run.stdout + run.stderr)).toEqual([]);
    expect(stderrLines(run)).toEqual([
      expect.stringMatching(/buttondown-vip\.csv, line 3: unknown subscriber_type "vip"; nothing was imported/),
    ]);
    expect(existsSync(path.join(dir, 'state', 'subscribers', 'events.jsonl'))).toBe(false);
    expect(Object.keys(await statuses(common))).not.toContain('new.one@example.com');
  });

  it('a Mailchimp export as it comes: the zip is refused saying what to do; the nonsubscribed file adds pending readers; a second import writes nothing', async () => {
    const { dir, common } = setup();
    const events = path.join(dir, 'state', 'subscribers', 'events.jsonl');
    for (const name of ['mailchimp-export.zip', 'subscribers.xlsx']) {
      const refused = await runCli(['subscribers', 'import', exportFile(name), ...common]);
      expect(refused.status, name).toBe(1);
      expect(refused.stdout, name).toBe('');
      // One sentence of plain text, not the archive's bytes.
      expect(stderrLines(refused), name).toEqual([
        expect.stringMatching(/^[\x20-\x7e]+ is .+, not a CSV file: .+; nothing was imported\.$/),
      ]);
      expect(existsSync(events), name).toBe(false);
    }

    const first = await runCli(['subscribers', 'import', exportFile('mailchimp-nonsubscribed.csv'), ...common]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('  1 added as active\n');
    expect(first.stdout).toContain('  2 added as pending: the export shows no opt-in or confirmation time for them');
    const size = readFileSync(events).length;
    const again = await runCli(['subscribers', 'import', exportFile('mailchimp-nonsubscribed.csv'), ...common]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toBe(`Imported ${exportFile('mailchimp-nonsubscribed.csv')}:\n  3 unchanged\n`);
    expect(readFileSync(events).length).toBe(size);
    expect(await statuses(common)).toMatchObject({
      'rosa.mendes@example.com': 'pending',
      'sam.taylor@example.com': 'pending',
      'tomas.novak@example.com': 'active',
    });
  });

  it('a semicolon-separated file is read; a category the catalog lacks is refused as add refuses it, importing nothing', async () => {
    const { dir, common } = setup();
    const args = [...common, '--data', fixture('mixed')];
    const typo = writeText(path.join(dir, 'typo.csv'), 'email;name;categories\nnew@example.com;New;"Design;Writng"\n');
    const refused = await runCli(['subscribers', 'import', typo, ...args]);
    expect(refused.status).toBe(1);
    expect(stderrLines(refused)).toEqual([
      `${typo}, line 2: categories "Writng" is not a category of the catalog in ${fixture('mixed')}/tools; the known ones are: Design, Research, Writing; nothing was imported.`,
    ]);
    expect(existsSync(path.join(dir, 'state', 'subscribers', 'events.jsonl'))).toBe(false);

    const imported = await runCli(['subscribers', 'import', exportFile('excel-semicolon.csv'), ...args]);
    expect(imported.status, imported.stderr).toBe(0);
    const list = await runCli(['subscribers', 'list', ...common]);
    expect(list.stdout).toContain('uma.schulz@example.com,"Schulz, Uma",Design;Research,active\n');
    expect(list.stdout).toContain('vera.lang@example.com,Vera Lang,,unsubscribed\n');
  });
});
