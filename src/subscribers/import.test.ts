import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture } from '../../test/helpers/cli.ts';
import { SubscribersError } from '../errors.ts';
import { exportColumns, exportRow, readExport } from './import.ts';

const exports = (name: string) => fixture(path.join('exports', name));
const summary = async (file: string) => (await readExport(file)).rows.map((r) => [r.email, r.name, r.status]);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'subscribers-import-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
async function csvFile(text: string): Promise<string> {
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
      { line: 2, email: 'okafor.chidi@example.com', name: 'Okafor, Chidi', categories: ['Design', 'Developer Tools'], status: 'active' },
      { line: 3, email: 'priya.nair@example.com', name: 'Nair, Priya "PN"', categories: [], status: 'unsubscribed' },
      { line: 4, email: 'quinn.obrien@example.com', name: "O'Brien, Quinn", categories: ['Writing'], status: 'pending' },
    ]);
  });

  it('an unknown status is an error naming the line and the value, and nothing of the file is read', async () => {
    const file = await csvFile('email,subscriber_type\nok@example.com,regular\nodd@example.com,paused\nlater@example.com,regular\n');
    await expect(readExport(file)).rejects.toThrow(SubscribersError);
    await expect(readExport(file)).rejects.toThrow(`${file}, line 3: unknown subscriber_type "paused"; nothing was imported`);
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

  it('never reads an unknown value as active, not even an inherited property name', () => {
    for (const value of ['toString', 'constructor', 'yes', 'activ']) {
      expect(() => exportRow(columns, ['a@example.com', value, '', ''], 'f.csv', 7)).toThrow(`line 7: unknown Status "${value}"`);
    }
  });
});
