import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../test/helpers/cli.ts';
import { SubscribersError } from '../errors.ts';
import { exportColumns, exportRow, IMPORT_STATUSES, readExport } from './import.ts';

const exports = (name: string) => fixture(path.join('exports', name));
const summary = async (file: string) => (await readExport(file)).rows.map((r) => [r.email, r.name, r.status]);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'subscribers-import-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
async function csvFile(text: string | Buffer): Promise<string> {
  const file = path.join(dir, `export-${Math.random().toString(36).slice(2)}.csv`);
  await writeFile(file, text);
  return file;
}

describe('readExport reads other tools’ exports as they are', () => {
  it('Mailchimp subscribed: "Email Address", "First Name" + "Last Name", quoted commas in other columns', async () => {
    expect(await summary(exports('mailchimp-subscribed.csv'))).toEqual([
      ['amara.osei@example.com', 'Amara Osei', 'active'],
      ['bruno.keller@example.com', 'Bruno Keller', 'active'],
      ['chen.li@example.com', null, 'active'],
    ]);
  });

  it('Mailchimp unsubscribed (UNSUB_TIME) and cleaned (CLEAN_TIME) exports stop those readers', async () => {
    expect(await summary(exports('mailchimp-unsubscribed.csv'))).toEqual([
      ['dana.ruiz@example.com', 'Dana Ruiz', 'unsubscribed'],
      ['emeka.obi@example.com', 'Emeka Obi', 'unsubscribed'],
    ]);
    expect(await summary(exports('mailchimp-cleaned.csv'))).toEqual([['farah.haddad@example.com', 'Farah Haddad', 'bounced']]);
  });

  it('Buttondown subscriber_type: regular and premium are active, unactivated pending, unsubscribed and removed unsubscribed', async () => {
    expect(await summary(exports('buttondown.csv'))).toEqual([
      ['gus.lindqvist@example.com', null, 'active'],
      ['hana.sato@example.com', null, 'active'],
      ['ivan.petrov@example.com', null, 'pending'],
      ['jo.adeyemi@example.com', null, 'unsubscribed'],
      ['kai.moana@example.com', null, 'unsubscribed'],
    ]);
  });

  it('Substack: email_disabled true means unsubscribed; a paid plan is just active', async () => {
    expect(await summary(exports('substack.csv'))).toEqual([
      ['lena.fischer@example.com', null, 'active'],
      ['marco.bianchi@example.com', null, 'active'],
      ['nadia.karim@example.com', null, 'unsubscribed'],
    ]);
  });

  it('a file with a BOM, CRLF line ends and quoted commas, with line numbers counted right', async () => {
    const { rows, problems } = await readExport(exports('bom-crlf-quoted.csv'));
    expect(problems).toEqual([]);
    expect(rows).toEqual([
      {
        line: 2,
        email: 'okafor.chidi@example.com',
        name: 'Okafor, Chidi',
        categories: ['Design', 'Developer Tools'],
        status: 'active',
        unconsented: false,
      },
      { line: 3, email: 'priya.nair@example.com', name: 'Nair, Priya "PN"', categories: [], status: 'unsubscribed', unconsented: false },
      {
        line: 4,
        email: 'quinn.obrien@example.com',
        name: "O'Brien, Quinn",
        categories: ['Writing'],
        status: 'pending',
        unconsented: false,
      },
    ]);
  });

  it('an unknown status is an error naming the line and the value, and nothing of the file is read', async () => {
    const file = await csvFile('email,subscriber_type\nok@example.com,regular\nodd@example.com,vip\nlater@example.com,regular\n');
    await expect(readExport(file)).rejects.toThrow(SubscribersError);
    await expect(readExport(file)).rejects.toThrow(`${file}, line 3: unknown subscriber_type "vip"; nothing was imported`);
  });

  it('Mailchimp nonsubscribed: a row with neither OPTIN_TIME nor CONFIRM_TIME is pending for want of consent; one with a time is active', async () => {
    const { rows } = await readExport(exports('mailchimp-nonsubscribed.csv'));
    expect(rows.map((r) => [r.email, r.status, r.unconsented])).toEqual([
      ['rosa.mendes@example.com', 'pending', true],
      ['sam.taylor@example.com', 'pending', true],
      ['tomas.novak@example.com', 'active', false],
    ]);
    // The subscribed export of the same shape: every row has a time, so all are active as before.
    expect((await readExport(exports('mailchimp-subscribed.csv'))).rows.every((r) => r.status === 'active' && !r.unconsented)).toBe(true);
  });

  it('Buttondown exports with paid readers: unpaid, paused, past_due and churned still get the free newsletter; disabled and blocked do not', async () => {
    expect(await summary(exports('buttondown-paid.csv'))).toEqual([
      ['ali.haddad@example.com', null, 'active'],
      ['bea.costa@example.com', null, 'active'],
      ['cai.wong@example.com', null, 'active'],
      ['dev.rao@example.com', null, 'active'],
      ['eli.moss@example.com', null, 'unsubscribed'],
      ['fay.nkosi@example.com', null, 'pending'],
    ]);
  });

  it('semicolon-separated (Excel in many locales, with its BOM and CRLF) and UTF-16 tab-separated ("Unicode Text") files', async () => {
    expect(await readExport(exports('excel-semicolon.csv'))).toEqual({
      rows: [
        {
          line: 2,
          email: 'uma.schulz@example.com',
          name: 'Schulz, Uma',
          categories: ['Design', 'research'],
          status: 'active',
          unconsented: false,
        },
        { line: 3, email: 'vera.lang@example.com', name: 'Vera Lang', categories: [], status: 'unsubscribed', unconsented: false },
      ],
      problems: [],
    });
    expect(await summary(exports('excel-unicode-text.txt'))).toEqual([['wes.ibarra@example.com', 'Wes Ibarra, Jr.', 'active']]);
  });

  it.each([
    [
      'mailchimp-export.zip',
      /is a Mailchimp export \(a zip archive\), not a CSV file: unzip it and import subscribed_members_export_\*\.csv/,
    ],
    [
      'subscribers.xlsx',
      /is an Excel workbook, not a CSV file: open it and save the sheet as "CSV UTF-8", then import that file; nothing was imported\.$/,
    ],
  ])('%s is refused with one sentence saying what it is and what to do', async (name, sentence) => {
    const error = await readExport(exports(name)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SubscribersError);
    expect((error as Error).message).toMatch(sentence);
    expect((error as Error).message).toMatch(/^[\x20-\x7e]+$/);
  });

  it('a file that is not UTF-8 (Excel\'s plain "CSV") is refused naming the line, before a garbled name is stored', async () => {
    const file = await csvFile(Buffer.from('email;name\nana@example.com;Ana\nbo@example.com;Bo M\xfcller\n', 'latin1'));
    await expect(readExport(file)).rejects.toThrow(
      `${file}, line 3 is not UTF-8 text (Excel's plain "CSV" uses the computer's own encoding): save the sheet as "CSV UTF-8"`,
    );
  });

  it('control characters from the file never reach a message or a name', async () => {
    const file = await csvFile(
      'email,name,status\n"bad\u001b[2Jaddress",X,active\nok@example.com,"Ann\u001b[31m\r\nRed",active\nodd@example.com,Y,\u009b6n\n',
    );
    await expect(readExport(file)).rejects.toThrow(`${file}, line 5: unknown status "\\u009b6n"`);
    const { rows, problems } = await readExport(
      await csvFile('email,name\n"bad\u001b[2Jaddress",X\nok@example.com,"Ann\u001b[31m\r\nRed"\n'),
    );
    expect(problems.map((p) => p.problem)).toEqual([expect.stringContaining('"bad\\u001b[2Jaddress" is not a valid email address')]);
    expect(rows.map((r) => r.name)).toEqual(['Ann [31m Red']);
  });

  it('a value that is neither true nor false in email_disabled is an error too', async () => {
    const file = await csvFile('email,email_disabled\nok@example.com,maybe\n');
    await expect(readExport(file)).rejects.toThrow(`${file}, line 2: email_disabled "maybe" is neither true nor false`);
  });

  it('an invalid address is skipped with its line; a file without an address column is refused', async () => {
    const { rows, problems } = await readExport(await csvFile('Email_Address,State\nnot an address,active\nok@example.com,cancelled\n'));
    expect(rows.map((r) => [r.email, r.status])).toEqual([['ok@example.com', 'unsubscribed']]);
    expect(problems).toMatchObject([{ line: 2, problem: expect.stringContaining('"not an address" is not a valid email address') }]);
    await expect(readExport(await csvFile('mail,name\na@example.com,A\n'))).rejects.toThrow(/no address column/);
  });
});

describe('exportRow', () => {
  const columns = exportColumns(['E-Mail', 'Status', 'unsubscribed_at', 'CLEAN_TIME'], 'f.csv');

  it('the signal furthest from active wins, and an unsubscribed_at or CLEAN_TIME overrides "subscribed"', () => {
    expect(exportRow(columns, ['a@example.com', 'subscribed', '', ''], 'f.csv', 2)).toMatchObject({ status: 'active' });
    expect(exportRow(columns, ['a@example.com', 'subscribed', '2025-01-01', ''], 'f.csv', 2)).toMatchObject({ status: 'unsubscribed' });
    expect(exportRow(columns, ['a@example.com', 'Subscribed', '2025-01-01', '2025-02-01'], 'f.csv', 2)).toMatchObject({
      status: 'bounced',
    });
    expect(exportRow(columns, ['a@example.com', 'SPAM', '', ''], 'f.csv', 2)).toMatchObject({ status: 'complained' });
  });

  // Each tool's documented list (Buttondown's SubscriberType, Mailchimp's member status, Kit's state, Ghost's status):
  // what each reader should get here. README gives the why of each.
  it.each([
    ['active', ['regular', 'premium', 'trialed', 'unpaid', 'gifted', 'churning', 'churned', 'past_due', 'paused']],
    ['pending', ['unactivated', 'blocked', 'disposable']],
    ['unsubscribed', ['unsubscribed', 'removed', 'disabled']],
    ['bounced', ['undeliverable', 'spammy', 'malformed']],
    ['complained', ['complained']],
  ] as const)('every Buttondown subscriber_type that becomes %s', (status, types) => {
    const buttondown = exportColumns(['email', 'subscriber_type'], 'f.csv');
    for (const type of types) expect(exportRow(buttondown, ['a@example.com', type], 'f.csv', 2), type).toMatchObject({ status });
  });

  it('every Mailchimp, Kit and Ghost status is mapped', () => {
    const mapped = (values: string[]) => Object.fromEntries(values.map((v) => [v, IMPORT_STATUSES[v]]));
    expect(mapped(['subscribed', 'pending', 'transactional', 'nonsubscribed', 'unsubscribed', 'archived', 'cleaned'])).toEqual({
      subscribed: 'active',
      pending: 'pending',
      transactional: 'pending',
      nonsubscribed: 'pending',
      unsubscribed: 'unsubscribed',
      archived: 'unsubscribed',
      cleaned: 'bounced',
    });
    expect(mapped(['active', 'inactive', 'cancelled', 'bounced', 'complained'])).toEqual({
      active: 'active',
      inactive: 'pending',
      cancelled: 'unsubscribed',
      bounced: 'bounced',
      complained: 'complained',
    });
    expect(mapped(['free', 'paid', 'comped', 'gift'])).toEqual({ free: 'active', paid: 'active', comped: 'active', gift: 'active' });
  });

  it('never reads an unknown value as active, not even an inherited property name', () => {
    for (const value of ['toString', 'constructor', 'yes', 'activ']) {
      expect(() => exportRow(columns, ['a@example.com', value, '', ''], 'f.csv', 7)).toThrow(`line 7: unknown Status "${value}"`);
    }
  });
});
