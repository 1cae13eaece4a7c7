import { execFileSync } from 'node:child_process';
import { appendFile, cp, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Config, resolveConfig } from '../config.ts';
import { addSubscriber, importSubscribers, unsubscribe } from './manage.ts';
import { openFiles } from '../state/open.ts';

let dir: string;
let config: Config;
const at = new Date('2026-11-18T15:00:00Z');

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'manage-'));
  config = resolveConfig({ data: dir, subscribers: path.join(dir, 'subscribers.csv'), state: dir }, {});
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const store = () => openFiles(config.stateDir, config.subscribersFile);

const statuses = async () => {
  const { list } = await store().list({ allowMissingCsv: true }).current();
  return Object.fromEntries([...list.values()].map((s) => [s.email, s.status]));
};

it('imports, adds and unsubscribes in-process, with no list file yet, and returns what the command prints', async () => {
  const file = path.join(dir, 'export.csv');
  await writeFile(file, 'email,status\nada@example.com,subscribed\nnot-an-address,subscribed\n');
  expect(await importSubscribers(config, store(), file, at)).toBe(
    `Imported ${file}:\n  1 added as active\n  1 rejected:\n    ${file}, line 3: "not-an-address" is not a valid email address; skipped.`,
  );
  expect(await addSubscriber(config, store(), { email: 'bo@example.com', name: 'Bo', at })).toBe(
    'Added bo@example.com (active, every category).',
  );
  expect(await unsubscribe(config, store(), 'ada@example.com', at)).toBe(
    'Unsubscribed ada@example.com (was active); no later send mails it.',
  );
  expect(await statuses()).toEqual({ 'ada@example.com': 'unsubscribed', 'bo@example.com': 'active' });
});

it('imports a list larger than a call can take as arguments (200,000 new readers) on files', async () => {
  const file = path.join(dir, 'big.csv');
  const rows = Array.from({ length: 200_000 }, (_, i) => `reader${i}@example.com`);
  await writeFile(file, `email\n${rows.join('\n')}\n`);
  expect(await importSubscribers(config, store(), file, at)).toBe(`Imported ${file}:\n  200000 added as active`);
  const { list } = await store().list({ allowMissingCsv: true }).current();
  expect(list.size).toBe(200_000);
});

/** More rows than the files backend records at a time, so a one-pass import would have recorded some. */
const readers = (count: number, categories = '') => Array.from({ length: count }, (_, i) => `reader${i}@example.com,${categories}`);

describe('importSubscribers on files: every row checked, then recorded a part at a time', () => {
  let file: string;
  beforeEach(async () => {
    file = path.join(dir, 'export.csv');
    await cp(new URL('../../data/tools', import.meta.url), path.join(dir, 'tools'), { recursive: true });
  });

  it('records nothing from a file whose last row, past the first parts, has a status it does not know', async () => {
    await writeFile(file, `email,categories,status\n${readers(25_000).join(',active\n')},active\nlast@example.com,,vip\n`);
    await expect(importSubscribers(config, store(), file, at)).rejects.toThrow(
      `${file}, line 25002: unknown status "vip"; nothing was imported`,
    );
    expect(await store().subscribers.hasEvents()).toBe(false);
  });

  it('records nothing from a file whose last row has a category the catalog lacks, and names a row it cannot read first', async () => {
    await writeFile(file, `email,categories\n${readers(25_000, 'design').join('\n')}\nlast@example.com,Gardening\n`);
    await expect(importSubscribers(config, store(), file, at)).rejects.toThrow(
      `${file}, line 25002: categories "Gardening" is not a category of the catalog in ${dir}/tools`,
    );
    await appendFile(file, 'after,"unclosed\n');
    await expect(importSubscribers(config, store(), file, at)).rejects.toThrow(`${file}, line 25003: Quote Not Closed`);
    expect(await store().subscribers.hasEvents()).toBe(false);
  });

  it('records each row with its categories as the catalog spells them, past the first parts', async () => {
    await writeFile(file, `email,categories\n${readers(25_000, 'design; WRITING').join('\n')}\n`);
    expect(await importSubscribers(config, store(), file, at)).toBe(`Imported ${file}:\n  25000 added as active`);
    const { list } = await store().list().current();
    expect(list.get('reader24999@example.com')?.categories).toEqual(['Design', 'Writing']);
  });

  it('records nothing when the file changes between the check of every row and their recording', async () => {
    await writeFile(file, 'email,categories\nada@example.com,Design\n');
    // A tool file of the catalog as a pipe: the import, checking the first row's categories, waits to read it.
    const tool = path.join(dir, 'tools', 'citebloom.json');
    const content = await readFile(tool);
    await rm(tool);
    execFileSync('mkfifo', [tool]);
    const imported = importSubscribers(config, store(), file, at);
    const catalog = await open(tool, 'w');
    await appendFile(file, 'bo@example.com,Gardening\n');
    await catalog.writeFile(content);
    await catalog.close();
    await expect(imported).rejects.toThrow(`${file} changed while it was being imported; nothing was imported: run the import again.`);
    expect(await store().subscribers.hasEvents()).toBe(false);
  });
});
